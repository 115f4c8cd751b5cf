"""Rendered page content kept by what it shows, so that a page looked at again (a reload, a
second tab, the next visit) costs one small query instead of reading and rendering it all.

The key is the version of the data the page shows — a request's version and newest message,
a merchant's list's count and versions — plus the reader's language and the hour (deadline
chips count days and hours). Any change to the data is a new version, hence a new key, in
every process alike: nothing is ever invalidated, old entries simply age out. Only the plain
GET of a page is kept; a form answered with a problem is rendered fresh. The CSRF token
differs per session: content is rendered with a stand-in, replaced per response.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from datetime import UTC, datetime
from typing import Any

from jinja2 import Environment
from litestar import Request, Response
from markupsafe import Markup

from web import i18n
from web.csrf import FIELD as CSRF_FIELD
from web.csrf import csrf_token
from web.rendering import page_context, render

CSRF_STAND_IN = "csrf-stand-in-" + secrets.token_hex(16)  # unguessable: never in a message


class PageCache:
    """A bounded, least-recently-used map of rendered (title, content)."""

    def __init__(self, most: int = 1000) -> None:
        self.most = most
        self._entries: OrderedDict[Hashable, tuple[str, str]] = OrderedDict()

    def get(self, key: Hashable) -> tuple[str, str] | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: Hashable, value: tuple[str, str]) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.most:
            self._entries.popitem(last=False)


def _render_blocks(
    request: Request[Any, Any, Any], template: str, context: dict[str, Any]
) -> tuple[str, str]:
    env: Environment = request.app.state.jinja
    stand_in = Markup('<input type="hidden" name="%s" value="%s">') % (CSRF_FIELD, CSRF_STAND_IN)
    full = {
        **page_context(request),
        "request": request,
        "csrf_token": CSRF_STAND_IN,
        "csrf_input": stand_in,
        "status_code": 200,
        **context,
    }
    compiled = env.get_template(template)
    title = "".join(compiled.blocks["title"](compiled.new_context(full)))
    content = "".join(compiled.blocks["content"](compiled.new_context(full)))
    return title, content


async def render_versioned(
    request: Request[Any, Any, Any],
    template: str,
    version: Hashable,
    context: Callable[[], Awaitable[dict[str, Any]]],
) -> Response[str]:
    """The page `template` shows for data at `version`: kept content if this version was
    rendered before in this language and hour, else `context()` rendered and kept."""
    cache: PageCache = request.app.state.page_cache
    hour = int(datetime.now(UTC).timestamp() // 3600)
    key = (template, version, i18n.current_locale(), hour)
    found = cache.get(key)
    if found is None:
        found = _render_blocks(request, template, await context())
        cache.put(key, found)
    title, content = found
    token = csrf_token(request.scope)
    return render(
        request,
        "shell.html",
        cached_title=Markup(title),  # noqa: S704 - rendered by our own autoescaping templates
        cached_content=Markup(content.replace(CSRF_STAND_IN, token)),  # noqa: S704 - same
    )
