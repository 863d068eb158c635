"""Column (栏目) rules: stale and blank columns (国办秘函〔2019〕19号 V4)."""
