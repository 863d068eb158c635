"""政府信息公开 rules (CONTRACT.md §5 `disclosure.*`)."""
