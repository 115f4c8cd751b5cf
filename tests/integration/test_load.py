"""The short load with faults (tests/load/run.py, as `make loadtest` runs it for longer): on
PostgreSQL with 2 web processes and 2 workers, merchants, staff and a partner at work while a
worker and a web process are killed, Redis restarts empty and PostgreSQL refuses connections
for 10 s — and afterwards nothing a merchant was told is lost, nothing is done twice, and every
decision reached the merchant watching it."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from settings import PROJECT_ROOT

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the load's stack is PostgreSQL's: it runs in the PostgreSQL run of the suite",
)


def test_a_short_load_with_faults_loses_and_doubles_nothing() -> None:
    env = {**os.environ, "LOAD_SECONDS": "45", "LOAD_MERCHANTS": "12"}
    done = subprocess.run([sys.executable, "-m", "tests.load.run"], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    report = done.stdout + done.stderr[-3000:]
    line = next((text for text in done.stdout.splitlines() if text.startswith("LOADTEST")), "")
    figures = dict(re.findall(r"(\w+)=(\d+)", line))
    assert figures, report
    assert done.returncode == 0, report
    assert figures["lost"] == "0" and figures["doubled"] == "0", report
    assert int(figures["confirmed"]) >= 12, report  # the merchants did file returns
    assert int(figures["decisions_seen"]) > 0 and int(figures["documents"]) > 0, report
    for fault in (
        "worker killed",
        "Redis restarted empty",
        "web process killed",
        "PostgreSQL refused",
    ):
        assert fault in report, report
