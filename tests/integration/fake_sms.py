"""A small SMS provider for the tests: the HTTP API the SMS gateway speaks (POST JSON with a
bearer key), served on a free local port by a thread. It can refuse the next few messages, and
take its time over each, as a provider under load does; it can keep one message per idempotency
key, as real providers do, counting the repeats it absorbed; GET ?to=<phone> lists what a phone
received (the load test reads its sign-in codes there)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

KEY = "k3y"


@dataclass
class Provider:
    url: str = ""
    fail_next: int = 0
    delay: float = 0.0  # seconds before each answer
    received: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    once_per_key: bool = False
    repeats: int = 0  # messages sent again under a key already taken (once_per_key)
    ids: dict[str, str] = field(default_factory=dict)  # idempotency key -> message id


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
                key = str(body.get("idempotency_key", ""))
                if not failing and provider.once_per_key and key in provider.ids:
                    provider.repeats += 1
                    message_id = provider.ids[key]
                elif not failing:
                    provider.received.append(body)
                    message_id = f"msg-{len(provider.received)}"
                    provider.ids[key] = message_id
            time.sleep(provider.delay)
            if failing:
                self.send_response(503)
                self.end_headers()
                self.wfile.write(b"busy")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"id": message_id}).encode())

        def do_GET(self) -> None:
            phone = parse_qs(urlsplit(self.path).query).get("to", [""])[0]
            with provider.lock:
                found = [body for body in provider.received if body.get("to") == phone]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps(found, ensure_ascii=False).encode())

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def sms_provider(delay: float = 0.0, *, once_per_key: bool = False) -> Iterator[Provider]:
    provider = Provider(delay=delay, once_per_key=once_per_key)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    provider.url = f"http://127.0.0.1:{server.server_address[1]}/sms"
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
