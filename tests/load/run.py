"""`make loadtest`: the production-like stack (tests/load/stack.py: PostgreSQL, Redis, S3,
2 web processes, 2 workers) under the Locust load of tests/load/locustfile.py, while this
harness breaks it — a worker killed with SIGKILL, Redis restarted empty, a web process killed,
PostgreSQL refusing connections for 10 s — then, once the work has drained, checks that
nothing a merchant was told is lost and nothing was done twice (tests/load/check.py).

One summary line, then the detail; exit status 1 when anything was lost or doubled.
LOAD_SECONDS (default 180) bounds the load; LOAD_MERCHANTS (default 40) sets its size.
"""

from __future__ import annotations

import asyncio
import csv
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import asyncpg
import httpx

from settings import PROJECT_ROOT
from tests.load.check import Findings, check
from tests.load.seed import seed
from tests.load.stack import Options, Stack, free_port

FOLDER = PROJECT_ROOT / "var" / "load"
DRAIN_SECONDS = 150  # after the load: time for the outbox to empty (leases included)
RECOVERY_SECONDS = 5


def main() -> int:
    seconds = int(os.environ.get("LOAD_SECONDS", "180"))
    merchants = int(os.environ.get("LOAD_MERCHANTS", "40"))
    shutil.rmtree(FOLDER, ignore_errors=True)
    stack = Stack(Options(port=free_port(), database="returndesk_load", folder=FOLDER))
    try:
        stack.start()
        seeded = asyncio.run(seed(stack.env["DATABASE_URL"], merchants, 4, 2))
        seeded.save(FOLDER / "seed.json")
        faults = Faults(stack, seconds)
        locust = _locust(stack, merchants + 5, seconds)
        faults.start()
        while locust.poll() is None:
            time.sleep(0.5)
            stack.keep_running()
        faults.join()
        drained = _drain(stack)
        assert stack.sms is not None
        findings = asyncio.run(check(stack.env["DATABASE_URL"], FOLDER / "records", stack.sms))
        print(summary(findings, faults.done, drained))
        _show_run(stack)
    finally:
        stack.stop()
    return 1 if findings.missing or findings.doubled else 0


def _locust(stack: Stack, users: int, seconds: int) -> subprocess.Popen[bytes]:
    assert stack.sms is not None
    env = {**os.environ, "LOAD_SEED": str(FOLDER / "seed.json"), "LOAD_SMS_URL": stack.sms.url,
           "LOAD_RECORDS": str(FOLDER / "records"), "PYTHONPATH": str(PROJECT_ROOT)}  # fmt: skip
    command = [str(Path(sys.executable).parent / "locust"), "-f", "tests/load/locustfile.py",
               "--headless", "--users", str(users), "--spawn-rate", "10", "--run-time",
               f"{seconds}s", "--host", stack.url, "--csv", str(FOLDER / "locust"),
               "--only-summary", "--stop-timeout", "10", "--loglevel", "WARNING"]  # fmt: skip
    log = (FOLDER / "locust.log").open("wb")
    return subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )


class Faults(threading.Thread):
    """The faults, spread over the run: each at its share of the load's time."""

    def __init__(self, stack: Stack, seconds: int) -> None:
        super().__init__(daemon=True)
        self.stack, self.seconds = stack, seconds
        self.done: list[str] = []

    def run(self) -> None:
        started = time.monotonic()
        plan = [
            (0.35, "Redis restarted empty", self.stack.restart_redis_empty),
            (0.50, "worker killed (SIGKILL)", self.stack.kill_worker),
            # the killed web process is started again while the database refuses: it waits for
            # the database (found by this load: it used to fail its start, and uvicorn then
            # stopped the whole server)
            (0.80, "PostgreSQL refused connections for 10 s, a web process killed (SIGKILL)",
             lambda: asyncio.run(self._refuse_and_kill_web())),
        ]  # fmt: skip
        (FOLDER / "records").mkdir(parents=True, exist_ok=True)
        with (FOLDER / "records" / "faults.jsonl").open("a") as kept:
            if os.environ.get("LOAD_FAULTS", "all") == "none":  # the same load, unbroken
                plan = []
            for share, name, fault in plan:
                time.sleep(max(0.0, started + share * self.seconds - time.monotonic()))
                began = time.time()
                fault()
                # the stack is whole again a few seconds after each (a worker or web process
                # restarted, the pool reconnected): counted as part of the fault
                ended = time.time() + RECOVERY_SECONDS
                kept.write(
                    json.dumps({"kind": "fault", "name": name, "start": began, "end": ended}) + "\n"
                )
                self.done.append(name)

    async def _refuse_and_kill_web(self) -> None:
        refusing = asyncio.create_task(self.stack.refuse_database(10))
        await asyncio.sleep(1)
        self.stack.kill_web_process()
        await refusing


def _drain(stack: Stack) -> bool:
    """Wait until no outbox row is due and undone (the work the load caused has been done)."""

    async def waiting() -> int:
        db = await asyncpg.connect(stack.env["DATABASE_URL"])
        try:
            return int(await db.fetchval("SELECT COUNT(*) FROM outbox WHERE done_at IS NULL"
                                         " AND dead_at IS NULL AND due_at < now()"))  # fmt: skip
        finally:
            await db.close()

    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline:
        stack.keep_running()
        if asyncio.run(waiting()) == 0:
            return True
        time.sleep(1)
    return False


def _pages() -> tuple[int, dict[str, int], list[str]]:
    """(requests, failures by kind, p50/p95/p99 per page) from Locust's CSV files."""
    requests, lines = 0, []
    with (FOLDER / "locust_stats.csv").open() as stats:
        for row in csv.DictReader(stats):
            if row["Name"] == "Aggregated":
                requests = int(row["Request Count"])
                continue
            lines.append(f"  {row['Type']:>4} {row['Name']:<48} n={row['Request Count']:>6}"
                         f" fail={row['Failure Count']:>4} p50={row['50%']:>5} p95={row['95%']:>5}"
                         f" p99={row['99%']:>5} ms")  # fmt: skip
    failures: dict[str, int] = {}
    with (FOLDER / "locust_failures.csv").open() as failed:
        for row in csv.DictReader(failed):
            kind = row["Error"].split("(")[0].strip()[:60]
            failures[kind] = failures.get(kind, 0) + int(row["Occurrences"])
    return requests, failures, lines


def summary(found: Findings, faults: list[str], drained: bool) -> str:
    requests, failures, lines = _pages()
    failed = ", ".join(f"{kind}: {n}" for kind, n in sorted(failures.items())) or "none"
    head = (
        f"LOADTEST requests={requests} failures={sum(failures.values())} ({failed})"
        f" confirmed={found.confirmed} lost={found.missing} doubled={found.doubled}"
        f" sms={found.sms_sent} sms_repeats_absorbed={found.sms_repeated}"
        f" documents={found.documents} outbox_dead={found.outbox_dead}"
        f" decisions_seen={found.decisions_seen} slowest_seen_s={found.slowest_seen_s:.1f}"
        f" seen_after_5s={found.seen_late} (across a fault {found.seen_late_in_fault})"
        f" never_seen={found.never_seen} stale_answers={found.stale_answers}"
        f" drained={'yes' if drained else 'no'}"
    )
    detail = [
        "  faults: " + "; ".join(faults),
        f"  lost: submissions {len(found.lost)} {found.lost[:5]}, SMS {found.sms_unsent},"
        f" authorizations {found.documents_missing}, outbox rows stuck {found.outbox_stuck}",
        f"  doubled: documents {found.documents_doubled}, units on two requests {found.serials_doubled}",
    ]
    return "\n".join([head, *detail, "  pages:", *lines])


def _show_run(stack: Stack) -> None:
    """What operators saw of the run: /metrics' totals and the JSON log lines written."""
    answer = httpx.get(
        stack.url + "/metrics", headers={"Authorization": f"Bearer {stack.metrics_token}"}
    )
    counted = sum(float(line.rsplit(" ", 1)[1]) for line in answer.text.splitlines()
                  if line.startswith("returndesk_http_requests_total{"))  # fmt: skip
    logged = sum(path.read_text(errors="replace").count('"logger": "returndesk.request"')
                 for path in stack.logs.glob("web*.log"))  # fmt: skip
    jobs = sum(path.read_text(errors="replace").count('"logger": "returndesk.jobs"')
               for path in stack.logs.glob("worker-*.log"))  # fmt: skip
    print(f"  /metrics: {counted:.0f} requests counted by the web processes still running;"
          f" logs: {logged} request lines, {jobs} job lines (in {stack.logs})")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
