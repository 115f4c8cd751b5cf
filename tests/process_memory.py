"""The memory a process and all its descendants hold together, sampled from /proc while they
work: what the upload memory test asserts on and `make bench` reports."""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from types import TracebackType


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(n) for n in (task / "children").read_text().split()]
    except OSError:  # the process ended while we looked
        pass
    return found


def process_tree(pid: int) -> list[int]:
    """`pid` and every process below it, as they are now."""
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo += _children(current)
    return tree


def server_processes(supervisor: int) -> list[int]:
    """A multi-process web server's serving processes: the supervisor's children uvicorn started
    with multiprocessing's spawn (not their own children, such as an image process)."""
    found = []
    for pid in _children(supervisor):
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:  # ended while we looked
            pass
    return found


def _status_mb(pid: int) -> tuple[str, float, float] | None:
    """(name, resident now, its peak so far) in MB; None once the process is gone."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
    if "VmHWM" not in fields:  # a zombie: its memory is already given back
        return None
    rss, hwm = (int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "VmHWM"))
    return fields["Name"].strip(), rss, hwm


class TreeMemory:
    """Samples a process tree every few milliseconds. `peak_mb` is the largest sum, over the
    processes alive at one sample, of each one's own peak so far (VmHWM): never less than what
    they held together at any moment, so a short spike between two samples is not missed while
    its process lives on."""

    def __init__(self, pid: int, interval: float = 0.005) -> None:
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self.peaks: dict[int, tuple[str, float]] = {}  # each process's own peak, for the report
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        total = 0.0
        for pid in process_tree(self.pid):
            status = _status_mb(pid)
            if status is not None:
                name, _rss, hwm = status
                total += hwm
                self.peaks[pid] = (name, hwm)
        self.peak_mb = max(self.peak_mb, total)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> TreeMemory:
        for pid in process_tree(self.pid):  # each one's peak from now on, not from its start
            with contextlib.suppress(OSError):
                Path(f"/proc/{pid}/clear_refs").write_text("5")
        self.sample()
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def report(self) -> str:
        each = ", ".join(f"{name} {pid}: {mb:.0f}" for pid, (name, mb) in self.peaks.items())
        return f"peak together {self.peak_mb:.0f} MB ({each})"
