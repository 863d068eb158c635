"""Gatherers of 政府信息公开 (platform parts, document metadata, annual reports) and 互动交流 (message boards)."""
