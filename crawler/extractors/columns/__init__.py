"""Columns (栏目): discovery, typing, item dating and the page extractor that gathers them."""
