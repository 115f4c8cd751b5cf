"""Slow and oversized clients against the real server (web.serve): a client that dribbles its
request head is cut off at the header deadline while others are served, and a head too large
is refused — with nothing in front of the server."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.integration.live import web_server

DEADLINE = 2  # HEADER_TIMEOUT_SECONDS for the server under test


def _connect(url: str) -> socket.socket:
    parts = urlsplit(url)
    connection = socket.create_connection((parts.hostname, parts.port), timeout=DEADLINE * 4)
    connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    return connection


def _closed(connection: socket.socket) -> bool:
    """True once the server has closed the connection (a send fails or a read ends)."""
    try:
        connection.sendall(b"X-Slow: 1\r\n")
        connection.setblocking(False)
        try:
            return connection.recv(1) == b""
        except BlockingIOError:
            return False
        finally:
            connection.setblocking(True)
    except OSError:
        return True


def test_dribbling_clients_are_cut_off_while_others_are_served(tmp_path: Path) -> None:
    with web_server(tmp_path, HEADER_TIMEOUT_SECONDS=str(DEADLINE)) as (url, _):
        started = time.monotonic()
        slow = [_connect(url) for _ in range(5)]
        open_until: dict[int, float] = {}
        while len(open_until) < len(slow) and time.monotonic() - started < DEADLINE * 5:
            for index, connection in enumerate(slow):
                if index not in open_until and _closed(connection):
                    open_until[index] = time.monotonic() - started
            # a well-behaved client meanwhile is answered at once
            assert httpx.get(url + "/healthz", timeout=2).status_code == 200
            time.sleep(0.25)
        for connection in slow:
            connection.close()
    assert sorted(open_until) == [0, 1, 2, 3, 4], "a dribbling client was never cut off"
    assert all(DEADLINE - 0.5 <= seconds <= DEADLINE + 1.5 for seconds in open_until.values())


def test_an_oversized_request_head_is_refused(tmp_path: Path) -> None:
    with web_server(tmp_path) as (url, _):
        parts = urlsplit(url)
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
            connection.sendall(
                b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 40_000 + b"\r\n\r\n"
            )
            answer = connection.recv(200)
        assert answer.startswith(b"HTTP/1.1 400")
        assert httpx.get(url + "/healthz", timeout=2).status_code == 200
        # a whole head and the start of a large body in one packet is a request like any
        with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
            body = b"phone=" + b"1" * 100_000
            connection.sendall(b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/"
                               b"x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))  # fmt: skip
            answer = connection.recv(200)
        assert answer.startswith(b"HTTP/1.1 403")  # CSRF: the app read it
