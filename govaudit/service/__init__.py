"""`govaudit serve`: the HTTP API (/api/v1, /openapi.json) and the Chinese dashboard (docs/service.md)."""
