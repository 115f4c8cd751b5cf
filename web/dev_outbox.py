"""/dev/outbox: in development, the SMS and e-mail that would have been sent. Absent when DEBUG is off."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from db.outbox import dev_outbox_messages
from web.rendering import render


@get("/dev/outbox", name="dev_outbox")
async def dev_outbox(request: Request[Any, Any, Any]) -> Response[Any]:
    return render(request, "dev/outbox.html", messages=await dev_outbox_messages())
