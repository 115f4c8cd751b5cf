"""`make dev` keeps running through a crash: its embedded Redis or its worker killed, it starts
them again while the web server goes on serving; SIGTERM still stops everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from settings import PROJECT_ROOT


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children(pid: int) -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found[int(entry.name)] = cmdline
    return found


def _one(pid: int, words: str, within: float = 20) -> int:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        matches = [child for child, cmd in _children(pid).items() if words in cmd]
        if matches:
            return matches[0]
        time.sleep(0.1)
    raise AssertionError(f"no child running {words!r}")


def _healthy(url: str, within: float = 30) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    return False


def test_make_dev_restarts_what_crashed_and_keeps_the_web_server(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env |= {"PORT": str(port), "DATA_DIR": str(tmp_path), "DEBUG": "1"}
    log = (tmp_path / "dev.log").open("wb")
    dev = subprocess.Popen(
        [sys.executable, "dev.py"], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    started: list[int] = []
    try:
        assert _healthy(url, within=60), (tmp_path / "dev.log").read_text()
        web = _one(dev.pid, "web.serve")
        redis = _one(dev.pid, "redis-server")
        worker = _one(dev.pid, "arq")

        os.kill(redis, signal.SIGKILL)
        os.kill(worker, signal.SIGKILL)
        time.sleep(1.5)
        assert _healthy(url), (tmp_path / "dev.log").read_text()
        assert _one(dev.pid, "redis-server") != redis  # a new one
        assert _one(dev.pid, "arq") != worker
        assert _one(dev.pid, "web.serve") == web  # the web server never stopped
        started = list(_children(dev.pid))
    finally:
        dev.send_signal(signal.SIGTERM)
        dev.wait(timeout=30)
    assert started and not [pid for pid in started if Path(f"/proc/{pid}").exists()]
    output = (tmp_path / "dev.log").read_text()
    assert "ReturnDesk stopped." in output
    assert "starting it again" in output
