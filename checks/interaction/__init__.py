"""互动交流 rules (CONTRACT.md §5 `interaction.*`)."""
