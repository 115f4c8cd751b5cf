"""Rendering pages and fragments: one template serves both; htmx requests get the block."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Request, Response
from markupsafe import Markup

from domain.serials import normalise_serial
from settings import PROJECT_ROOT
from web import i18n
from web.csrf import FIELD as CSRF_FIELD
from web.csrf import csrf_token
from web.navigation import redirect_to

STATIC_VERSION_FILES: dict[str, str] = {}


def static_url(path: str) -> str:
    """URL of a static file with its modification time, so a changed file is fetched anew."""
    version = STATIC_VERSION_FILES.get(path)
    if version is None:
        file = PROJECT_ROOT / "static" / path
        version = str(int(file.stat().st_mtime)) if file.exists() else "0"
        STATIC_VERSION_FILES[path] = version
    return f"/static/{path}?v={version}"


def html_attrs(attrs: Mapping[str, object]) -> Markup:
    """Attributes as HTML writes them: `required` for True, nothing for False or None (Jinja's
    xmlattr writes required="True", which is not HTML)."""
    parts = []
    for name, value in attrs.items():
        if value is True:
            parts.append(Markup(" {}").format(name))  # Markup.format escapes what it inserts
        elif value is not False and value is not None:
            parts.append(Markup(' {}="{}"').format(name, value))
    return Markup("").join(parts)


def build_environment(
    templates: Path = PROJECT_ROOT / "templates", *, reload: bool = True
) -> Environment:
    """Templates compiled once; with `reload` (development) an edited one is read again."""
    env = Environment(
        loader=FileSystemLoader(templates),
        auto_reload=reload,
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=i18n.gettext, ngettext=i18n.ngettext, newstyle=True
    )
    env.filters["html_attrs"] = html_attrs
    env.filters["machine_time"] = i18n.machine_time
    env.filters["serial"] = normalise_serial  # as the form's check reads an SN (a scanner's too)
    env.globals["static"] = static_url
    env.globals["format_when"] = i18n.format_when
    env.globals["render_text"] = i18n.render_text
    env.globals["deadline"] = i18n.deadline
    return env


def page_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """What every page needs: its language, the switch to the other, who is signed in."""
    locale = i18n.current_locale()
    other = "en" if locale == "zh_CN" else "zh_CN"
    path = request.url.path
    if request.url.query:
        path = f"{path}?{request.url.query}"
    return {
        "lang": i18n.html_lang(locale),
        "locale": locale,
        "current_path": request.url.path,
        "switch_lang_url": "/lang?" + urlencode({"to": other, "next": path}),
        # set by the merchant guard; pages without one (public, errors) show a signed-out header
        "merchant": request.state.dict().get("merchant"),
        "unread_count": request.state.dict().get("unread_count", 0),
        "staff": request.state.dict().get("staff"),  # set by the staff guard
    }


def asks_for_fragment(request: Request[Any, Any, Any]) -> bool:
    """An htmx request that swaps part of a page (a boosted one navigates: it wants the page)."""
    return (
        request.headers.get("hx-request") == "true" and request.headers.get("hx-boosted") != "true"
    )


def fragment(
    request: Request[Any, Any, Any],
    template: str,
    block: str,
    *,
    page: str,
    **context: Any,
) -> Response[Any]:
    """A piece of a page for a route that exists only to swap it in (an as-you-type check, the
    picker's thumbnails): its context holds that piece's needs alone, so any other request —
    without script, or a boosted navigation — is sent to the page the piece lives on."""
    if not asks_for_fragment(request):
        return redirect_to(request, page)
    return render(request, template, block=block, **context)


def render(
    request: Request[Any, Any, Any],
    template: str,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Response[str]:
    """A page, or for an htmx request (not a boosted navigation) the named block of the same template."""
    env: Environment = request.app.state.jinja
    token = csrf_token(request.scope)
    full = {
        **page_context(request),
        "request": request,
        "csrf_token": token,
        "status_code": status_code,
        "csrf_input": Markup('<input type="hidden" name="%s" value="%s">') % (CSRF_FIELD, token),
        **context,
    }
    compiled = env.get_template(template)
    wants_block = (
        block is not None
        and block in compiled.blocks  # a block the template inherits is served as the page
        and asks_for_fragment(request)
    )
    if wants_block:
        html = "".join(compiled.blocks[block](compiled.new_context(full)))  # type: ignore[index]
    else:
        html = compiled.render(full)
    return Response(
        content=html,
        status_code=status_code,
        media_type=MediaType.HTML,
        headers={"Vary": "HX-Request", **(headers or {})},
    )
