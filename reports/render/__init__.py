"""Renderers of the canonical findings document (govaudit.findings/1): JSON, HTML and XLSX."""
