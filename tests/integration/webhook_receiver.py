"""A partner's webhook receiver for the tests: a threaded HTTP server on a free local port that
checks every delivery's signature with the Standard Webhooks reference library
(`standardwebhooks`), as a partner's own receiver would. It can fail each event's first few
attempts, answer with a status of the test's choosing, and take its time over each."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Hit:
    """One request as the receiver saw it."""

    webhook_id: str
    timestamp: str
    signatures: list[str]
    host: str  # the Host header
    path: str
    body: bytes
    verified_by: list[str]  # the secrets whose signature checked out (standardwebhooks)
    status: int  # what the receiver answered

    @property
    def payload(self) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads(self.body)
        return loaded


@dataclass
class Receiver:
    url: str = ""
    secrets: list[str] = field(default_factory=list)  # the secrets it verifies with
    fail_each: int = 0  # answer 503 to each event's first this-many attempts
    status: int = 200  # the answer otherwise
    headers: dict[str, str] = field(default_factory=dict)  # sent with every answer
    delay: float = 0.0  # seconds before each answer
    endless: bool = False  # answer with a body that never ends
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self) -> list[Hit]:
        """The hits it took (2xx) after checking their signature, in the order they came."""
        return [hit for hit in self.hits if 200 <= hit.status < 300]

    def answer_for(self, webhook_id: str) -> int:
        seen = sum(1 for hit in self.hits if hit.webhook_id == webhook_id)
        return 503 if seen < self.fail_each else self.status


def _verified_by(receiver: Receiver, body: bytes, headers: dict[str, str]) -> list[str]:
    good = []
    for secret in receiver.secrets:
        try:
            Webhook(secret).verify(body, headers)
        except WebhookVerificationError:
            continue
        good.append(secret)
    return good


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            if len(body) < length:  # the sender went away midway (a killed worker): no request
                return
            headers = {name.lower(): value for name, value in self.headers.items()}
            verified_by = _verified_by(receiver, body, headers)
            with receiver.lock:
                webhook_id = headers.get("webhook-id", "")
                status = receiver.answer_for(webhook_id) if verified_by else 401
                receiver.hits.append(
                    Hit(webhook_id, headers.get("webhook-timestamp", ""),
                        headers.get("webhook-signature", "").split(" "), headers.get("host", ""),
                        self.path, body, verified_by, status)
                )  # fmt: skip
            time.sleep(receiver.delay)
            self.send_response(status)
            for name, value in receiver.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"taken" if status < 300 else b"not now")
            while receiver.endless:  # until the sender hangs up
                try:
                    self.wfile.write(b"x" * 65536)
                except OSError:
                    return

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def webhook_receiver(*secrets: str, delay: float = 0.0) -> Iterator[Receiver]:
    receiver = Receiver(secrets=list(secrets), delay=delay)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/returndesk"
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
