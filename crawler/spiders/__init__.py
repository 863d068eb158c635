"""Spiders: the generic site spider."""
