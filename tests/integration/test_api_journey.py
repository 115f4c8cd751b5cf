"""A partner system with nothing but a key and the reference: it finds the merchant's order, files
a return with a photo, submits it, subscribes its receiver, and follows the request through a
rejection, its appeal with a new photo and the second supervisor's overturn. Its receiver hears
of every change once, in order, each signature checked with the Standard Webhooks library; the
events it could have missed read back the same; the staff screen shows the same request with
its channel and client."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar.testing import AsyncTestClient

from domain.lifecycle import Action
from tests.integration import factories
from tests.integration.test_api_returns import bearer, filed, photo
from tests.integration.webhook_receiver import webhook_receiver
from tests.integration.webhook_setup import deliver_webhooks, sender_for_tests

Client = AsyncTestClient  # type: ignore[type-arg]


async def _post(client: Client, key: str, path: str, **kwargs: Any) -> Any:
    answer = await client.post(f"/api/v1{path}", headers=bearer(key), **kwargs)
    assert answer.status_code < 300, (path, answer.status_code, answer.text)
    return answer.json()


async def test_a_partner_follows_a_return_through_an_appeal_and_hears_each_change_once(
    client: Client, now: datetime
) -> None:
    _client_id, key = await factories.api_client()
    merchant_id = await factories.merchant()
    sender = sender_for_tests()
    with webhook_receiver() as receiver:
        subscribed = await _post(client, key, "/webhooks", json={"url": receiver.url})
        receiver.secrets.append(subscribed["secret"])
        draft = (await filed(client, key, merchant_id, now)).json()
        base = f"/returns/{draft['id']}"
        await _post(
            client, key, f"{base}/files", files=[("files", ("a.jpg", photo(), "image/jpeg"))]
        )
        submitted = await _post(client, key, f"{base}/submit")
        await factories.staff_decides(draft["id"], Action.REJECT, now, reason_code="other",
                                      message="看不出故障", staff_id="staff:31")  # fmt: skip
        staged = await _post(
            client, key, f"{base}/files", files=[("files", ("b.jpg", photo(), "image/jpeg"))]
        )
        await _post(client, key, f"{base}/appeal",
                    json={"message": "附通电后的照片", "files": [staged["files"][0]["id"]]})  # fmt: skip
        await factories.staff_decides(draft["id"], Action.OVERTURN, now, message="照片可见故障",
                                      role="supervisor", staff_id="staff:32")  # fmt: skip
        await deliver_webhooks(sender)

    types = [hit.payload["type"] for hit in receiver.delivered()]
    assert types == ["return.submitted", "return.rejected", "return.appealed", "return.approved"]
    assert all(hit.verified_by == [subscribed["secret"]] for hit in receiver.delivered())
    ids = [hit.webhook_id for hit in receiver.delivered()]
    assert len(set(ids)) == len(ids)
    last = receiver.delivered()[-1].payload["data"]
    assert last["request"]["rma"] == submitted["rma"] and last["to_state"] == "approved"

    events = (await client.get(f"/api/v1{base}/events", headers=bearer(key))).json()
    assert [e["id"] for e in events["data"]] == ids  # what a partner that missed them reads
    later = await client.get(f"/api/v1{base}/events", params={"after": events["data"][1]["cursor"]},
                             headers=bearer(key))  # fmt: skip
    assert [e["type"] for e in later.json()["data"]] == types[2:]
    now_state = (await client.get(f"/api/v1{base}", headers=bearer(key))).json()
    assert now_state["state"] == "approved" and "ship" in now_state["next_step"]["actions"]
