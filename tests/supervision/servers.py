"""Loopback receivers for alerts: a webhook HTTP server and an SMTP server (aiosmtpd), on free ports."""
from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def webhook(status: int = 200) -> Iterator[tuple[str, list[dict]]]:
    """(URL, received JSON bodies) of a loopback webhook answering `status`."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            received.append(json.loads(body.decode("utf-8")))
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args) -> None:  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    finally:
        server.shutdown()
        server.server_close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp() -> Iterator[tuple[str, list]]:
    """(smtp:// URL, received email.message.Message objects) of a loopback aiosmtpd server."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    received: list = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, ANN201, N802
            received.append(message_from_bytes(envelope.original_content, policy=policy.default))
            return "250 OK"

    port = free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", received
    finally:
        controller.stop()
