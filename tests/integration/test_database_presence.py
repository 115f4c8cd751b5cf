"""A database that went away, was never made, or is behind the code: the web server and the
worker refuse to start naming it, /healthz tells the truth about the database pages are served
from, and pages answer a 503 page instead of a 500 — only the migration command creates one.

The SQLite cases run on database files of their own (so they hold on either CI backend); the
migration check runs on the suite's own database, SQLite or PostgreSQL."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from db.engine import engine
from dev import WORKER_COMMAND, web_command
from domain.rma import make_rma
from domain.verification import verification_token
from settings import PROJECT_ROOT, Settings
from web.app import create_app

MIGRATE = [sys.executable, "-m", "piccolo.main", "migrations", "forwards", "returndesk"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _env(path: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": f"sqlite:///{path}", **extra}


def _migrated(path: Path) -> Path:
    done = subprocess.run(MIGRATE, cwd=PROJECT_ROOT, env=_env(path), capture_output=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return path


def _refusal(command: list[str], path: Path, within: float = 30) -> str:
    """The process's words when it stops on its own; fails if it is still running."""
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env=_env(path, DATABASE_POOL_SIZE="2", PORT="0"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        output, _ = process.communicate(timeout=within)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"{command[2]} started on {path}") from None
    assert process.returncode != 0
    return output.decode()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A web server as production runs it (pooled connections) on a migrated file of its own."""
    path = _migrated(tmp_path / "served.sqlite3")
    port = _free_port()
    process = subprocess.Popen(
        web_command(port),
        cwd=PROJECT_ROOT,
        env=_env(path, DATABASE_POOL_SIZE="4"),
        stdout=(tmp_path / "web.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline and process.poll() is None, (
            tmp_path / "web.log"
        ).read_text()
        time.sleep(0.1)
    yield url, path
    process.terminate()
    process.wait(timeout=10)


def _until(check: Any, within: float = 5) -> Any:
    deadline = time.monotonic() + within
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def test_a_database_moved_away_while_serving_is_unhealthy_and_pages_say_so(
    served: tuple[str, Path], tmp_path: Path
) -> None:
    url, path = served
    # a page that reads the database without a session: a genuine QR link to an unknown RMA
    rma = make_rma(datetime.now(UTC), b"presence")
    page = url + "/v/" + verification_token(os.environ["SECRET_KEY"], rma)
    assert httpx.get(page).status_code == 404
    path.rename(tmp_path / "elsewhere.sqlite3")

    health = _until(lambda: httpx.get(url + "/healthz").status_code == 503 or None)
    answer = httpx.get(page)

    assert health, httpx.get(url + "/healthz").text
    assert httpx.get(url + "/healthz").json()["database"] == "unavailable"
    assert answer.status_code == 503
    assert "ReturnDesk 暂时无法使用" in answer.text
    assert not path.exists()  # nothing made an empty database in its place
    (tmp_path / "elsewhere.sqlite3").rename(path)
    assert _until(lambda: httpx.get(url + "/healthz").status_code == 200)
    assert httpx.get(page).status_code == 404  # the same database, served again


@pytest.mark.parametrize("process", ["web", "worker"])
def test_a_process_without_its_database_refuses_to_start_and_makes_none(
    process: str, tmp_path: Path
) -> None:
    path = tmp_path / "never-made.sqlite3"
    command = web_command(_free_port()) if process == "web" else WORKER_COMMAND

    output = _refusal(command, path)

    assert str(path) in output and "migrations forwards" in output
    assert not path.exists()


@pytest.mark.parametrize("process", ["web", "worker"])
def test_a_process_refuses_a_database_behind_its_code(process: str, tmp_path: Path) -> None:
    path = _migrated(tmp_path / "older.sqlite3")
    with sqlite3.connect(path) as older:
        (latest,) = older.execute("SELECT max(name) FROM migration").fetchone()
        older.execute("DELETE FROM migration WHERE name = ?", (latest,))
    command = web_command(_free_port()) if process == "web" else WORKER_COMMAND

    output = _refusal(command, path)

    assert str(path) in output and latest in output


def test_the_migration_command_creates_the_database(tmp_path: Path) -> None:
    path = _migrated(tmp_path / "new" / "made.sqlite3")
    with sqlite3.connect(path) as made:
        assert made.execute("SELECT count(*) FROM migration").fetchone()[0] > 0


async def test_the_app_does_not_start_on_a_database_behind_its_code(settings: Settings) -> None:
    """On the suite's own database, SQLite or PostgreSQL."""
    from db.health import DatabaseNotReady

    rows = await engine().run_querystring(_sql("SELECT max(name) AS name FROM migration"))
    latest = rows[0]["name"]
    await engine().run_querystring(_sql("DELETE FROM migration WHERE name = {}", latest))
    try:
        with pytest.raises(BaseExceptionGroup) as raised:  # the test client's task group
            async with AsyncTestClient(app=create_app(settings)):
                pass
    finally:
        await engine().run_querystring(
            _sql("INSERT INTO migration (name, app_name) VALUES ({}, 'returndesk')", latest)
        )
    refused = raised.value.subgroup(DatabaseNotReady)
    assert refused is not None
    assert latest in str(refused.exceptions[0])
    database = settings.database_url.rsplit("/", 1)[-1]
    assert database in str(refused.exceptions[0])


def _sql(template: str, *args: Any) -> Any:
    from piccolo.querystring import QueryString

    return QueryString(template, *args)
