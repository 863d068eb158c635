"""The period's 通报 (`govaudit bulletin`, docs/supervision.md): data from storage, XLSX and DOCX renderers."""
