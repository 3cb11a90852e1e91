"""Rasa's REST channel played by a real HTTP server on loopback, for gateway tests."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class StandInRasa:
    """Answers ``GET /`` like Rasa and every ``POST`` (a REST-channel message) with
    :meth:`reply`; keeps every request body in ``bodies``. Subclasses choose the replies."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._send(b"Hello from Rasa")

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                outer.bodies.append(body)
                self._send(json.dumps(outer.reply(body)).encode())

            def _send(self, data: bytes) -> None:
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    return

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    @property
    def senders(self) -> list[str]:
        """The sender of every message received, in order."""
        return [str(body["sender"]) for body in self.bodies]

    def reply(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        """Rasa's bot messages for one request body."""
        return [{"recipient_id": body.get("sender"), "text": "Dạ, em chào anh/chị."}]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
