"""The baseline of the pages benchmark: a bare Litestar + Jinja page, served the same way as
ReturnDesk (the same uvicorn, flags and single process), so the ratio says what our page costs
beyond the framework itself."""

from __future__ import annotations

from jinja2 import Environment
from litestar import Litestar, MediaType, Response, get

_PAGE = Environment(autoescape=True).from_string(
    """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
</head><body><main><h1>{{ title }}</h1><ul>{% for item in items %}<li>{{ item }}</li>{% endfor %}
</ul></main></body></html>"""
)


@get("/")
async def page() -> Response[str]:
    html = _PAGE.render(title="退货申请", items=["智能POS终端 P8", "P8 充电底座", "热敏打印纸"])
    return Response(html, media_type=MediaType.HTML)


app = Litestar(route_handlers=[page], openapi_config=None)
