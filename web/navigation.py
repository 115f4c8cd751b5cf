"""Where a page sends the browser next: safe local paths and redirects that work with htmx too."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.response import Redirect

MAX_PATH = 2000


def local_path(target: str | None, default: str = "/") -> str:
    """Only a path on this site, else `default`. Refused: other sites ("//evil", "https://…"), a
    backslash (browsers read it as "/"), and any control character or space — a tab inside
    "/\\t/evil" is dropped by browsers, and a newline would split the header it goes into."""
    if not target or len(target) > MAX_PATH or not target.startswith("/"):
        return default
    if target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in target):
        return default
    return target


def redirect_to(request: Request[Any, Any, Any], path: str) -> Response[Any]:
    """Post/Redirect/Get with 303; an htmx request (not a boosted one) is told where to go instead."""
    path = local_path(path)  # whatever built it, a header never carries anything else
    if request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true":
        return Response(content="", status_code=204, headers={"HX-Location": path})
    return Redirect(path=path, status_code=303)
