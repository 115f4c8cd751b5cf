"""/dev/outbox: in development, the SMS and e-mail that would have been sent. Absent when DEBUG is off."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get

from db.tables import GatewayMessage
from web.rendering import render


@get("/dev/outbox", name="dev_outbox")
async def dev_outbox(request: Request[Any, Any, Any]) -> Response[Any]:
    messages = await (
        GatewayMessage.select()
        .where(GatewayMessage.gateway == "dev_outbox")
        .order_by(GatewayMessage.id, ascending=False)
        .limit(50)
    )
    return render(request, "dev/outbox.html", messages=messages)
