"""The bundled sample county portal and the fixture HTTP server that serves it."""
