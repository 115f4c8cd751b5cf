"""Where a page sends the browser next: safe local paths and redirects that work with htmx too."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.response import Redirect


def local_path(target: str | None) -> str:
    """Only paths on this site: "//evil.example" or "https://…" would make us an open redirector."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def redirect_to(request: Request[Any, Any, Any], path: str) -> Response[Any]:
    """Post/Redirect/Get with 303; an htmx request (not a boosted one) is told where to go instead."""
    if request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true":
        return Response(content="", status_code=204, headers={"HX-Location": path})
    return Redirect(path=path, status_code=303)
