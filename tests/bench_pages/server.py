"""`make bench`, the real-server section: ReturnDesk started with the production command
(uvicorn, one process) and a bare Litestar + Jinja app started the same way, both driven by
wrk with 32 connections; requests/s, p50 and p99 per page, and each page's ratio to the bare
one. Figures, not a test: nothing here passes or fails."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from dev import web_command
from settings import PROJECT_ROOT
from tests.bench_pages.summary import record
from web.cookies import SESSION, cookie_name

SECONDS = int(os.environ.get("BENCH_SECONDS", "6"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))  # the median run is reported: two cores are noisy
CONNECTIONS = 32


@dataclass(frozen=True)
class Figures:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: int


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found is None:
        print("  installing wrk (Debian package) ...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            capture_output=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
        found = shutil.which("wrk")
    assert found, "wrk could not be installed"
    return found


@contextmanager
def serving(command: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{command} did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise ValueError(f"wrk printed a latency of {text!r}")
    value, unit = found.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def drive(wrk: str, url: str, script: str = "") -> Figures:
    """The median of RUNS runs of `drive_once`, by requests per second."""
    runs = sorted(
        (drive_once(wrk, url, script) for _ in range(RUNS)), key=lambda f: f.requests_per_second
    )
    return runs[len(runs) // 2]


def drive_once(wrk: str, url: str, script: str = "") -> Figures:
    """wrk with one thread and 32 connections for SECONDS; the script sets headers or a body."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script)
    command = [wrk, "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", "-s", lua.name, url]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    Path(lua.name).unlink()
    if "Latency Distribution" not in out:
        raise RuntimeError(f"wrk measured nothing:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    count = int(errors.group(1)) if errors else 0
    if socket_errors:
        count += sum(int(n) for n in socket_errors.groups())
    return Figures(rate, p50, p99, count)


def headers_script(headers: dict[str, str], method: str = "GET", body: str = "") -> str:
    lines = [f'wrk.method = "{method}"']
    if body:
        lines.append(f"wrk.body = {body!r}".replace("'", '"'))
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in headers.items()]
    return "\n".join(lines) + "\n"


def rotating_paths(paths: list[str]) -> str:
    """Each request to the next of `paths`, round the list."""
    listed = ", ".join(f'"{path}"' for path in paths)
    return (
        f"paths = {{{listed}}}\ncounter = 0\n"
        "request = function()\n  counter = counter + 1\n"
        "  return wrk.format(nil, paths[(counter % #paths) + 1])\nend\n"
    )


async def prepare_data() -> dict[str, str]:
    """A merchant with four requests, one of them well along; their session; a draft to post to."""
    from db.engine import bind_database, close_database, open_database, run_migrations
    from db.seed import seed_demo
    from domain.lifecycle import Action
    from tests.integration import factories

    bind_database(os.environ["DATABASE_URL"], 0)
    await open_database()
    await run_migrations()
    await seed_demo()
    now = datetime.now(UTC)
    merchant_id = await factories.merchant(name="上海小杨生煎（静安店）")
    rmas = []
    for _ in range(4):
        request_id, rma = await factories.submitted(merchant_id, now, evidence=2)
        rmas.append(rma)
    await factories.staff_decides(request_id, Action.ASK_INFO, now, message="请补充序列号照片")
    await factories.merchant_answers(request_id, merchant_id, now, "已补充")
    await factories.staff_decides(request_id, Action.APPROVE, now)
    for text in ("请问什么时候寄出？", "已寄出，单号见上", "收到，谢谢"):
        await factories.message(request_id, merchant_id, text, now)
    order_id, items = await factories.order(merchant_id, now - timedelta(days=2))
    # one draft per connection, so the form benchmark measures saving, not queueing on one row
    drafts = [await factories.draft(merchant_id, order_id, items) for _ in range(CONNECTIONS)]
    session = await factories.session_for(merchant_id)
    await close_database()
    return {"session": session, "rma": rmas[-1], "drafts": ",".join(map(str, drafts))}


def report(name: str, figures: Figures, bare: Figures) -> None:
    ratio = figures.requests_per_second / bare.requests_per_second
    errors = f"   {figures.errors} errors" if figures.errors else ""
    print(
        f"  {name:<34} {figures.requests_per_second:8.0f} req/s   p50 {figures.p50_ms:7.2f} ms"
        f"   p99 {figures.p99_ms:7.2f} ms   ratio {ratio:5.3f}{errors}"
    )


def real_server_section(data: dict[str, str]) -> None:
    from web.csrf import token_for

    wrk = ensure_wrk()
    env = {**os.environ, "DEBUG": "0", "DATABASE_POOL_SIZE": "10"}
    print(
        f"pages through a real server (uvicorn, one process; wrk -t1 -c{CONNECTIONS}"
        f" -d{SECONDS}s, the median of {RUNS} runs)"
    )
    port = _free_port()
    # the same uvicorn, host and flags as ReturnDesk's; only the app differs
    with serving(web_command(port, app="tests.bench_pages.bare:app"), env, port) as url:
        bare = drive(wrk, url + "/")
    report("baseline: bare Litestar + Jinja", bare, bare)
    # DEBUG off: the production name, host-bound (web.cookies)
    cookie = {"Cookie": f"{cookie_name(SESSION, secure=True)}={data['session']}"}
    token = token_for(env["SECRET_KEY"], data["session"])
    port = _free_port()
    with serving(web_command(port), env, port) as url:
        rma, drafts = data["rma"], data["drafts"].split(",")
        poll_version = httpx.get(f"{url}/returns/{rma}", headers=cookie).text
        fingerprint = re.search(r"/status\?v=([\d.]+)", poll_version).group(1)  # type: ignore[union-attr]
        pages = {
            "signed-out home": (url + "/", ""),
            "request page": (f"{url}/returns/{rma}", headers_script(cookie)),
            "signed-in home (4 requests)": (url + "/", headers_script(cookie)),
            "status poll (unchanged)": (
                f"{url}/returns/{rma}/status?v={fingerprint}",
                headers_script({**cookie, "HX-Request": "true"}),
            ),
            "form step post (step 2)": (
                url + "/",
                headers_script(
                    {**cookie, "Content-Type": "application/x-www-form-urlencoded"},
                    "POST",
                    f"reason=quality_defect&description=screen&_csrf_token={token}",
                )
                + rotating_paths([f"/returns/drafts/{d}/step/2" for d in drafts]),
            ),
        }
        measured = {name: drive(wrk, target, script) for name, (target, script) in pages.items()}
        for name, figures in measured.items():
            report(name, figures, bare)
        record_first_load(f"{url}/returns/{rma}", cookie)
    one = measured["request page"]
    port = _free_port()
    with serving(web_command(port, processes=2), env, port) as url:
        two = drive(wrk, f"{url}/returns/{rma}", pages["request page"][1])
    report("request page, 2 web processes", two, bare)
    print(f"  2 processes / 1 process (request page): {two.requests_per_second / one.requests_per_second:.2f}x"
          " (target >= 1.6)")  # fmt: skip
    _record_pages(measured, bare, two)


def _record_pages(measured: dict[str, Figures], bare: Figures, two: Figures) -> None:
    def ratio(name: str) -> float:
        return measured[name].requests_per_second / bare.requests_per_second

    record("request_page", ratio("request page"))
    record("request_p99_ms", measured["request page"].p99_ms)
    record("home", ratio("signed-in home (4 requests)"))
    record("poll", ratio("status poll (unchanged)"))
    record("form_post", ratio("form step post (step 2)"))
    record("form_post_p99_ms", measured["form step post (step 2)"].p99_ms)
    record("scale_2web", two.requests_per_second / measured["request page"].requests_per_second)


def record_first_load(page_url: str, cookie: dict[str, str]) -> None:
    """What a phone downloads on its first visit to the request page, compressed: the page and
    every script, stylesheet and image it links (nothing cached yet)."""
    gzip = {**cookie, "Accept-Encoding": "gzip"}
    page = httpx.get(page_url, headers=gzip)
    total = page.num_bytes_downloaded
    base = page_url.split("/returns/")[0]
    linked = re.findall(
        r'<(?:script[^>]*\ssrc|link[^>]*\shref|img[^>]*\ssrc)="(/[^"]+)"', page.text
    )
    for path in dict.fromkeys(linked):
        total += httpx.get(base + path.replace("&amp;", "&"), headers=gzip).num_bytes_downloaded
    print(f"  request page first load: {total / 1024:.1f} KB compressed, {len(linked)} files linked"
          " (target <= 60 KB)")  # fmt: skip
    record("first_load_kb", total / 1024)
