"""Browser tests: the real app served by uvicorn with a real arq worker, driven in Debian's Chromium.

The server and worker run as child processes on the same database and Redis as the test, so a
decision applied through the store here reaches the page the way a staff member's would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from dev import WORKER_COMMAND, web_command
from settings import PROJECT_ROOT
from tests.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.integration.conftest import clean_state, database  # noqa: F401  (shared fixtures)

AXE = PROJECT_ROOT / "tests" / "browser" / "vendor" / "axe.min.js"
PHONE_VIEWPORT = {"width": 390, "height": 844}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# Package scope: the server's worker must be gone before other tests run, or its relay and
# worker would take their outbox rows and jobs from the shared database and Redis.
@pytest.fixture(scope="package")
def live_server(database: None) -> Iterator[str]:  # noqa: F811
    port = _free_port()
    env = {**os.environ, "PORT": str(port), "DEBUG": "1", "DATABASE_POOL_SIZE": "5"}
    log_dir = Path(os.environ["DATA_DIR"])
    processes = [
        subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=(log_dir / log).open("wb"),
            stderr=subprocess.STDOUT,
        )
        for command, log in ((web_command(port), "web.log"), (WORKER_COMMAND, "worker.log"))
    ]
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or processes[0].poll() is not None:
            raise RuntimeError("the web server did not start; see " + str(log_dir / "web.log"))
        time.sleep(0.1)
    yield url
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        await browser.close()


async def _context(browser: Browser, **options: Any) -> BrowserContext:
    return await browser.new_context(
        viewport=PHONE_VIEWPORT,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        # axe-core is injected as a script tag, which our CSP (rightly) forbids to pages.
        bypass_csp=True,
        **options,
    )


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await _context(browser)
    yield context
    await context.close()


@pytest.fixture
async def context_without_js(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await _context(browser, java_script_enabled=False)
    yield context
    await context.close()


@pytest.fixture
async def browser_contexts(
    context: BrowserContext, context_without_js: BrowserContext
) -> list[BrowserContext]:
    """The same merchant steps, once with JavaScript and once without."""
    return [context, context_without_js]


@pytest.fixture
async def page(context: BrowserContext) -> AsyncIterator[Page]:
    page = await context.new_page()
    yield page
    await page.close()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
