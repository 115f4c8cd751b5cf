"""A small SMS provider for the tests: the HTTP API the SMS gateway speaks (POST JSON with a
bearer key), served on a free local port by a thread. It can refuse the next few messages, and
take its time over each, as a provider under load does."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "k3y"


@dataclass
class Provider:
    url: str = ""
    fail_next: int = 0
    delay: float = 0.0  # seconds before each answer
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.headers.get("Authorization") != f"Bearer {KEY}":
                self.send_response(401)
                self.end_headers()
                return
            with provider.lock:
                failing = provider.fail_next > 0
                provider.fail_next -= int(failing)
                if not failing:
                    provider.received.append(body)
                    number = len(provider.received)
            time.sleep(provider.delay)
            if failing:
                self.send_response(503)
                self.end_headers()
                self.wfile.write(b"busy")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"id": f"msg-{number}"}).encode())

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def sms_provider(delay: float = 0.0) -> Iterator[Provider]:
    provider = Provider(delay=delay)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
