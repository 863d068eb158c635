"""政务新媒体 rules; `common` holds what they share (account status, post ages, reasons)."""
