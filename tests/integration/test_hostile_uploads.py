"""Hostile uploads never give a 500: each file of the corpus is refused in words that name it,
or accepted re-encoded with nothing of its payload left. (What they cost the real server:
test_upload_memory.py.)"""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any

import pytest
from PIL import Image

from db.evidence import draft_files
from domain.evidence import STORED_EDGE
from tests.hostile_files import SCRIPT_BYTES, Hostile, corpus
from tests.integration import factories
from tests.integration.test_return_form import _start, token

CORPUS = list(corpus())


@pytest.fixture
async def merchant(client: Any) -> int:
    merchant_id = await factories.merchant(phone="13812345678")
    await factories.sign_in(client, merchant_id)
    client.headers["Accept-Language"] = "en"
    return merchant_id


@pytest.mark.parametrize("hostile", CORPUS, ids=[h.name for h in CORPUS])
async def test_each_hostile_file_is_refused_by_name_or_kept_harmless(
    client: Any, merchant: int, now: datetime, hostile: Hostile
) -> None:
    draft_id, _ = await _start(client, merchant, now)
    response = await client.post(
        f"/returns/drafts/{draft_id}/evidence",
        files=[("files", (hostile.name, hostile.content, "image/jpeg"))],
        data={"_csrf_token": await token(client)},
        follow_redirects=False,
    )
    files = await draft_files(draft_id)
    if hostile.outcome != "accepted":
        assert response.status_code == 422
        assert f"“{hostile.name}”" in response.text and hostile.outcome in response.text
        assert files == []
        return
    assert response.status_code == 303
    [row] = files
    stored = (client.app.state.files.directory / row["stored_name"]).read_bytes()
    assert not any(payload in stored for payload in SCRIPT_BYTES)  # the "profile" is gone
    assert b"PK\x03\x04" not in stored  # so is what rode after the picture
    image = Image.open(BytesIO(stored))
    assert max(image.size) <= STORED_EDGE and "icc_profile" not in image.info
