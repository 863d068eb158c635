"""`python -m crawler …`: the contract's alias of `govaudit …` (CONTRACT.md §3).

The one module of crawler/ that reaches the composition root, and only by running it: gathering
code never imports govaudit (tests/test_layers.py).
"""
import runpy

if __name__ == "__main__":  # not when a crawl worker process (spawn) imports the main module
    runpy.run_module("govaudit", run_name="__main__", alter_sys=True)
