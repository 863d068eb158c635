"""`python -m govaudit …` is the same as `govaudit …`."""
from govaudit.cli import main

if __name__ == "__main__":  # not when a crawl worker process (spawn) imports the main module
    main()
