"""`python -m crawler …` is the same as `govaudit …`."""
from crawler.cli import main

main()
