"""The first page, the language switch, CSRF, security headers, health and error pages."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from web.app import create_app


async def test_home_speaks_chinese_by_default(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/")
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    assert "申请退货" in response.text and "查询退货进度" in response.text
    assert 'href="/returns/new"' in response.text and 'href="/track"' in response.text


async def test_an_english_browser_gets_english(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in response.text
    assert "Start a return" in response.text


async def test_the_language_switch_is_remembered(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    switched = await client.get("/lang", params={"to": "en", "next": "/"}, follow_redirects=False)
    assert switched.status_code == 303
    assert switched.headers["location"] == "/"
    again = await client.get("/")
    assert "Start a return" in again.text
    back = await client.get("/lang", params={"to": "zh_CN", "next": "/"})
    assert "申请退货" in back.text


async def test_the_language_switch_never_redirects_off_site(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        response = await client.get(
            "/lang", params={"to": "en", "next": target}, follow_redirects=False
        )
        assert response.headers["location"] == "/"


async def test_pages_carry_security_headers(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/")
    csp = response.headers["content-security-policy"]
    # scripts from our origin only; WebAssembly (the camera reader) may compile, script may not
    assert "script-src 'self' 'wasm-unsafe-eval';" in csp and "unsafe-inline" not in csp
    assert "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_pages_have_no_inline_script(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    html = (await client.get("/")).text
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert re.search(r"\son[a-z]+=", html) is None


async def test_htmx_is_served_from_our_own_static_files(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    html = (await client.get("/")).text
    src = re.search(r'<script src="(/static/vendor/htmx-2\.[^"]+)"', html)
    assert src is not None
    script = await client.get(src.group(1))
    assert script.status_code == 200
    assert "htmx" in script.text[:2000]


async def test_the_code_readers_webassembly_is_served_as_such_and_compressed(
    client: AsyncTestClient,  # type: ignore[type-arg]
) -> None:
    # WebAssembly.instantiateStreaming takes nothing but application/wasm; on 4G it goes gzipped
    wasm = await client.get(
        "/static/vendor/zxing-reader-3.1.3.wasm", headers={"accept-encoding": "gzip"}
    )
    assert wasm.status_code == 200
    assert wasm.headers["content-type"] == "application/wasm"
    assert wasm.headers["content-encoding"] == "gzip"
    assert wasm.content[:4] == b"\0asm"  # the client undoes the gzip


async def test_a_post_without_a_csrf_token_is_refused(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await client.post("/logout", data={"x": "1"})
    assert response.status_code == 403
    assert "表单已过期" in response.text or "刷新" in response.text


async def test_health_checks_database_and_redis(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_health_reports_a_redis_outage(settings) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    broken = replace(settings, redis_url="redis://127.0.0.1:1/0")
    async with AsyncTestClient(app=create_app(broken)) as client:
        response = await client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "redis": "unavailable"}


async def test_ready_until_a_release_s_migrations_are_missing(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    from db.tables import PolicyVersion

    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "redis": "ok", "migrations": "ok"}
    # a process of the next release, whose migrations have not run yet, is alive but not ready
    newest = await PolicyVersion.raw("SELECT * FROM migration ORDER BY id DESC LIMIT 1")
    await PolicyVersion.raw("DELETE FROM migration WHERE id = {}", newest[0]["id"])
    try:
        behind = await client.get("/readyz")
        alive = await client.get("/healthz")
    finally:
        row = newest[0]
        await PolicyVersion.raw("INSERT INTO migration (id, app_name, name, ran_on) VALUES "
                                "({}, {}, {}, {})", row["id"], row["app_name"], row["name"],
                                row["ran_on"])  # fmt: skip
    assert behind.status_code == 503 and behind.json()["migrations"] == "behind"
    assert alive.status_code == 200


async def test_not_found_page_in_both_languages(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    chinese = await client.get("/no-such-page")
    assert chinese.status_code == 404
    assert "找不到此页面" in chinese.text
    english = await client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert "We can't find this page" in english.text


async def test_api_errors_are_json(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    response = await client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    ("code", "chinese", "english"),
    [
        (403, "您无权查看此页面", "You can't open this page"),
        (404, "找不到此页面", "We can't find this page"),
        (409, "刷新查看最新内容", "Reload the latest version"),
        (500, "系统出了点问题", "Something went wrong on our side"),
    ],
)
def test_error_pages_speak_both_languages(code: int, chinese: str, english: str) -> None:
    from web import i18n
    from web.rendering import build_environment

    template = build_environment().get_template("errors/error.html")
    context = {
        "status_code": code,
        "static": lambda path: "/static/" + path,
        "csrf_input": "",
        "current_path": "/x",
        "switch_lang_url": "/lang",
    }
    for locale, words, lang in (("zh_CN", chinese, "zh-CN"), ("en", english, "en")):
        i18n.set_locale(locale)
        html = template.render({**context, "lang": lang})
        assert words in html, (locale, code)
    i18n.set_locale("zh_CN")


async def test_the_first_load_fits_a_slow_phone_budget(client: AsyncTestClient) -> None:  # type: ignore[type-arg]
    """UI.md: first load ≤ 60 KB compressed — the page, the stylesheet and the scripts."""
    import gzip

    page = await client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    total = len(gzip.compress(page.content))
    for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text):
        asset = await client.get(url, headers={"Accept-Encoding": "gzip"})
        assert asset.status_code == 200
        assert "max-age=31536000" in asset.headers["cache-control"]
        total += len(gzip.compress(asset.content))
    assert total <= 60 * 1024, f"first load is {total} bytes compressed"


def test_times_are_shown_in_the_configured_time_zone() -> None:
    from datetime import UTC, datetime

    from web import i18n

    noon_utc = datetime(2026, 12, 10, 12, 0, tzinfo=UTC)
    i18n.set_locale("zh_CN")
    assert i18n.format_when(noon_utc) == "12月10日\u00a020:00"  # Asia/Shanghai, the default
    i18n.set_display_timezone("Europe/London")
    try:
        assert i18n.format_when(noon_utc) == "12月10日\u00a012:00"
    finally:
        i18n.set_display_timezone("Asia/Shanghai")
