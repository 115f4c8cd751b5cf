"""Idempotency-Key on the partner API's POSTs, as Stripe and the IETF httpapi draft define it: a
retry with the same key and body gets the first answer back (status, body, the headers that
matter) and does nothing again; the same key with another body is 422, and while the first is
still being answered 409. Answers kept: the ones that did something or were decided (2xx, and
422 refusals); a request refused before it started (a malformed body, a conflict, a lost
precondition, an outage) leaves the key free to be tried again."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from db.api_idempotency import Claim, Replay, claim_key, keep_answer, release_key
from web.api.problems import ApiProblem
from web.i18n import gettext as _
from web.uploads import UPLOAD_BODY_LIMIT

HEADER = b"idempotency-key"
KEPT_HEADERS = ("content-type", "etag", "location")


def _key(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER:
            key = value.decode("latin-1").strip()
            key = (
                key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key
            )  # a quoted string
            if not key or len(key) > 255 or not key.isprintable():
                raise ApiProblem(400, "idempotency_key_invalid",
                                 _("An Idempotency-Key has 1 to 255 printable characters."))  # fmt: skip
            return key
    return ""


async def _whole_body(receive: Receive) -> bytes:
    """The request's body, read at most to the largest any operation takes (413 beyond)."""
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message: Any = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > UPLOAD_BODY_LIMIT:
            raise ApiProblem(413)
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


def _fingerprint(scope: Any, body: bytes) -> str:
    digest = hashlib.sha256(f"{scope['method']} {scope['path']}?".encode())
    digest.update(scope.get("query_string", b""))
    digest.update(b"\0")
    digest.update(body)
    return digest.hexdigest()


def _kept(status: int) -> bool:
    return 200 <= status < 300 or status == 422


async def _replay(send: Send, replay: Replay) -> None:
    stored = json.loads(replay.body)
    headers = [(k.encode(), v.encode()) for k, v in stored["headers"].items()]
    headers.append((b"idempotent-replayed", b"true"))
    start: Any = {"type": "http.response.start", "status": replay.status, "headers": headers}
    await send(start)
    end: Any = {"type": "http.response.body", "body": stored["body"].encode()}
    await send(end)


def idempotency_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        http = scope["type"] == ScopeType.HTTP
        key = _key(scope) if http and scope.get("method") == "POST" else ""
        client = scope.get("state", {}).get("api_client")
        if not key or client is None:
            await app(scope, receive, send)
            return
        body = await _whole_body(receive)
        claim = await claim_key(client.id, key, _fingerprint(scope, body), datetime.now(UTC))
        if isinstance(claim, Replay):
            await _replay(send, claim)
            return
        if claim is Claim.RUNNING:
            raise ApiProblem(409, "idempotency_key_in_use",
                             _("A request with this Idempotency-Key is still being answered."))  # fmt: skip
        if claim is Claim.OTHER_BODY:
            raise ApiProblem(422, "idempotency_key_reused",
                             _("This Idempotency-Key was used for another request."))  # fmt: skip
        await _first(app, scope, body, send, client.id, key)

    return middleware


async def _first(
    app: ASGIApp, scope: Scope, body: bytes, send: Send, client_id: int, key: str
) -> None:
    """Answer the first request with this key, keeping what it answered."""
    answer: dict[str, Any] = {"status": 0, "headers": {}, "body": []}
    delivered = False

    async def replayed() -> Any:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def captured(message: Message) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode().lower(): v.decode() for k, v in message.get("headers", [])
                                 if k.decode().lower() in KEPT_HEADERS}  # fmt: skip
        elif message["type"] == "http.response.body":
            answer["body"].append(message.get("body", b""))
        await send(message)

    try:
        await app(scope, replayed, captured)
    except BaseException:
        await release_key(client_id, key)
        raise
    if _kept(answer["status"]):
        stored = {"headers": answer["headers"], "body": b"".join(answer["body"]).decode()}
        await keep_answer(client_id, key, answer["status"], json.dumps(stored))
    else:
        await release_key(client_id, key)
