"""A photo re-used from another merchant's request, re-saved and cropped, raises the risk at
submit with the other request's RMA, and the staff screen shows the two photos side by side;
the same merchant's own photo again, a different photo, and an identical file (the exact-hash
rule's) is not counted twice — all through the real upload preparation, index and lookup."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from typing import Any

from db.evidence import add_to_draft
from db.tables import ReturnRequest
from domain.evidence import PreparedFile
from tests.integration import factories
from tests.photo_scenes import VARIANTS, jpeg, scene
from web.image_work import prepare

CROPPED_RESAVED = "cropped 6% off the top, re-saved"
_serials = itertools.count(1)


def _prepared(content: bytes) -> PreparedFile:
    prepared = prepare("photo.jpg", content)
    assert isinstance(prepared, PreparedFile), prepared
    return prepared


async def _filed(client: Any, content: bytes, now: datetime, merchant_id: int | None = None
                 ) -> tuple[int, str, int]:  # fmt: skip
    """A merchant's request with this photo, submitted: (request id, RMA, merchant id)."""
    merchant_id = merchant_id or await factories.merchant(phone=None)
    serial = f"SN-PHOTO-{next(_serials):04d}"
    order_id, items = await factories.order(merchant_id, now - timedelta(days=5), serials=(serial,))
    request_id = await factories.draft(merchant_id, order_id, items, evidence=0)
    added = await add_to_draft(client.app.state.files, request_id, merchant_id, _prepared(content))
    assert added is not None
    result = await factories.submit(request_id, merchant_id, now)
    return request_id, str(result.rma), merchant_id


async def _findings(request_id: int) -> dict[str, dict[str, Any]]:
    row = (
        await ReturnRequest.select(ReturnRequest.risk_findings)
        .where(ReturnRequest.id == request_id)
        .output(load_json=True)
        .first()
    )
    assert row is not None
    return {finding["code"]: finding for finding in row["risk_findings"]}


async def test_a_reused_photo_names_the_other_request_for_staff(client: Any, now: datetime) -> None:
    original = scene(101)
    _, first_rma, _ = await _filed(client, jpeg(original), now)
    reused_id, reused_rma, _ = await _filed(client, VARIANTS[CROPPED_RESAVED](original), now)

    found = (await _findings(reused_id))["photo_reused"]
    assert found["params"]["rmas"] == first_rma and found["points"] > 0

    reviewer = await factories.staff("reuse-reviewer", "reviewer")
    await factories.staff_session(client, reviewer)
    client.headers["Accept-Language"] = "en"
    page = (await client.get(f"/staff/requests/{reused_rma}")).text
    assert f"repeat photos of other merchants&#39; requests, altered: {first_rma}" in page
    pairs = page.split('class="photo-pairs"', 1)[1].split("</ul>", 1)[0]
    thumbs = re.findall(r'src="(/staff/files/\d+/thumb)"', pairs)
    assert len(thumbs) == 2  # this request's photo beside the other's
    assert f'href="/staff/requests/{first_rma}"' in pairs
    for thumb in thumbs:
        assert (await client.get(thumb)).status_code == 200


async def test_the_same_merchants_photo_again_or_a_different_photo_is_not_reuse(
    client: Any, now: datetime
) -> None:
    original = scene(202)
    _, _, merchant_id = await _filed(client, jpeg(original), now)
    own_again, _, _ = await _filed(client, VARIANTS["recoloured"](original), now, merchant_id)
    different, _, _ = await _filed(client, jpeg(scene(203)), now)
    assert "photo_reused" not in await _findings(own_again)
    assert "photo_reused" not in await _findings(different)


async def test_an_identical_file_is_the_exact_hash_rules_alone(client: Any, now: datetime) -> None:
    content = jpeg(scene(204))
    await _filed(client, content, now)
    identical, _, _ = await _filed(client, content, now)
    findings = await _findings(identical)
    assert "evidence_reused" in findings and "photo_reused" not in findings


async def test_the_merchant_is_never_told(client: Any, now: datetime) -> None:
    original = scene(303)
    await _filed(client, jpeg(original), now)
    _, reused_rma, merchant_id = await _filed(client, VARIANTS["resized to half"](original), now)
    await factories.sign_in(client, merchant_id)
    client.headers["Accept-Language"] = "en"
    page = (await client.get(f"/returns/{reused_rma}")).text
    assert "repeat photos" not in page and "photo-pairs" not in page
