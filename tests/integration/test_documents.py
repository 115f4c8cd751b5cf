"""The return authorization and the refund receipt: rendered by the worker's job from what
the request says, in Chinese with the project's own font embedded, stored once however often
the job runs, a new version only when the facts change; WeasyPrint fetches nothing but the
documents' own assets."""

from __future__ import annotations

import io
import os
import threading
import zipfile
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from db.files import LocalFileStore
from db.tables import Document, OutboxRow
from domain.lifecycle import Action
from domain.verification import rma_of_token, verification_token
from tests.integration import factories
from workers.documents import render_document
from workers.pdf import PdfPool, render_pdf


@pytest.fixture(scope="module")
def pool() -> Iterator[PdfPool]:
    pdf = PdfPool()
    yield pdf
    pdf.close()


@pytest.fixture
def ctx(tmp_path: Path, pool: PdfPool) -> dict[str, Any]:
    return {"files": LocalFileStore(tmp_path / "files"), "pdf": pool, "job_try": 1,
            "secret_key": os.environ["SECRET_KEY"], "timezone": "Asia/Shanghai",
            "site_url": "https://returns.example.com", "return_address": "上海市浦东新区 退货仓 3 号门"}  # fmt: skip


async def _document_key(request_id: int, kind: str) -> str:
    rows = (
        await OutboxRow.select(OutboxRow.key)
        .where((OutboxRow.job == "render_document") & OutboxRow.key.like(f"document:%:{kind}:%"))
        .order_by(OutboxRow.id, ascending=False)
    )
    assert rows, "the decision left a document job in the outbox"
    return str(rows[0]["key"])


async def _pdf(ctx: dict[str, Any], request_id: int, kind: str) -> PdfReader:
    row = await Document.select().where((Document.request_id == request_id) & (Document.kind == kind)).order_by(Document.number, ascending=False).first()  # fmt: skip
    return PdfReader(io.BytesIO(await ctx["files"].read(row["stored_name"])))


def _fonts(reader: PdfReader) -> set[str]:
    """The family names of the font programs embedded in the PDF (as their own name tables
    say, whatever the PDF calls them)."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            for descendant in font.get_object().get("/DescendantFonts", []):
                descriptor = descendant.get_object()["/FontDescriptor"].get_object()
                if "/FontFile2" in descriptor:
                    program = TTFont(io.BytesIO(descriptor["/FontFile2"].get_object().get_data()))
                    names.add(str(program["name"].getDebugName(1)))
    return names


async def test_an_approval_makes_a_chinese_authorization_once(
    ctx: dict[str, Any], now: datetime
) -> None:
    merchant = await factories.merchant(name="杭州小笼包")
    request_id, rma = await factories.submitted(merchant, now, serials=("P8A0000AU01",))
    await factories.staff_decides(request_id, Action.APPROVE, now)
    key = await _document_key(request_id, "authorization")
    assert await render_document(ctx, key) == "rendered version 1"
    assert await render_document(ctx, key) == "done before"  # the same job again: nothing new
    reader = await _pdf(ctx, request_id, "authorization")
    text = reader.pages[0].extract_text()
    for words in (
        "退货授权书",
        rma,
        "杭州小笼包",
        "P8A0000AU01",
        "上海市浦东新区",
        "寄回期限",
        "包装",
    ):
        assert words in text, words
    assert _fonts(reader) == {"WenQuanYi Micro Hei"}  # the project's own font, embedded
    assert await Document.count() == 1


async def test_the_same_facts_again_make_no_new_version_and_changed_ones_do(
    ctx: dict[str, Any], now: datetime
) -> None:
    merchant = await factories.merchant()
    request_id, _ = await factories.submitted(merchant, now)
    await factories.staff_decides(request_id, Action.APPROVE, now)
    key = await _document_key(request_id, "authorization")
    assert await render_document(ctx, key) == "rendered version 1"
    await OutboxRow.insert(OutboxRow(key="document:again", job="render_document", payload={"request_id": request_id, "document": "authorization", "version": 0}, due_at=now))  # fmt: skip
    assert await render_document(ctx, "document:again") == "unchanged: version 1"
    ctx["return_address"] = "深圳市南山区 新退货仓"  # the warehouse moved
    await OutboxRow.insert(OutboxRow(key="document:moved", job="render_document", payload={"request_id": request_id, "document": "authorization", "version": 0}, due_at=now))  # fmt: skip
    assert await render_document(ctx, "document:moved") == "rendered version 2"
    assert "深圳市南山区" in (await _pdf(ctx, request_id, "authorization")).pages[0].extract_text()


async def test_a_refund_makes_a_receipt_with_the_account_masked(
    ctx: dict[str, Any], now: datetime
) -> None:
    merchant = await factories.merchant()
    request_id, rma = await factories.submitted(merchant, now)
    for action, fields in ((Action.APPROVE, {}), (Action.RECEIVE, {}), (Action.INSPECT_PASS, {}),
                           (Action.REFUND, {"payment_reference": "WX20261202-77"})):  # fmt: skip
        role = {"RECEIVE": "inspector", "INSPECT_PASS": "inspector", "REFUND": "finance"}.get(
            action.name, "reviewer"
        )
        if action is Action.INSPECT_PASS:
            fields = {"confirmed_serials": tuple(await _serials(request_id))}
        await factories.staff_decides(request_id, action, now, role=role, **fields)
    key = await _document_key(request_id, "refund_receipt")
    assert await render_document(ctx, key) == "rendered version 1"
    text = (await _pdf(ctx, request_id, "refund_receipt")).pages[0].extract_text()
    for words in ("退款凭证", rma, "WX20261202-77", "¥"):
        assert words in text, words


async def test_the_receipt_gives_each_deduction_its_own_line_and_amount(
    ctx: dict[str, Any], now: datetime
) -> None:
    from db.tables import ReturnRequest

    merchant = await factories.merchant()
    # two terminals bought, one returned because the merchant changed their mind: the other
    # is kept, and the return shipping the platform advanced is the merchant's to pay
    order_id, items = await factories.order(merchant, now, serials=("SN-KEEP", "SN-BACK"))
    request_id = await factories.draft(merchant, order_id, items[1:], reason="change_of_mind")
    await factories.submit(request_id, merchant, now)
    await factories.staff_decides(request_id, Action.APPROVE, now)
    await ReturnRequest.update({ReturnRequest.shipping_advanced_fen: 1600}).where(
        ReturnRequest.id == request_id
    )
    await factories.staff_decides(request_id, Action.RECEIVE, now, role="inspector")
    await factories.staff_decides(
        request_id, Action.INSPECT_PASS, now, role="inspector", confirmed_serials=("SN-BACK",)
    )
    await factories.staff_decides(
        request_id, Action.REFUND, now, role="finance", payment_reference="WX-1"
    )

    assert await render_document(ctx, await _document_key(request_id, "refund_receipt"))

    lines = (await _pdf(ctx, request_id, "refund_receipt")).pages[0].extract_text().splitlines()
    amounts = [line for line in lines if "¥" in line]
    assert any("订单实付" in line and "¥2,560.00" in line for line in amounts), amounts
    assert any("本次未退回的商品" in line and "¥1,280.00" in line for line in amounts), amounts
    assert any("由您承担的退货运费" in line and "¥16.00" in line for line in amounts), amounts
    assert any("退款金额" in line and "¥1,264.00" in line for line in amounts), amounts
    assert not any("、" in line for line in amounts)  # no line lumps two deductions


async def _serials(request_id: int) -> list[str]:
    from db.tables import ReturnItem

    rows = await ReturnItem.select(ReturnItem.serial_number).where(ReturnItem.request == request_id)
    return [row["serial_number"] for row in rows if row["serial_number"]]


HITS: list[str] = []  # every request the watching server was asked


class _Watch(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        HITS.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"secret")

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def watched() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Watch)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    HITS.clear()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_weasyprint_fetches_nothing_but_the_documents_own_assets(watched: str) -> None:
    hostile = f"""<html><head><link rel="stylesheet" href="{watched}/style.css">
    <link rel="attachment" href="file:///etc/passwd"><link rel="attachment" href="{watched}/a"></head>
    <body><img src="file:///etc/passwd"><img src="http://169.254.169.254/latest/meta-data/">
    <img src="{watched}/pixel.png"><a rel="attachment" href="file:///etc/hostname">x</a>
    <p>内容</p></body></html>"""
    reader = PdfReader(io.BytesIO(render_pdf(hostile)))
    assert HITS == []
    assert (
        "/Names" not in reader.trailer["/Root"]
        or "/EmbeddedFiles" not in reader.trailer["/Root"]["/Names"]
    )
    assert "root:" not in reader.pages[0].extract_text()


async def test_merchant_typed_text_is_printed_as_text(
    ctx: dict[str, Any], now: datetime, watched: str
) -> None:
    name = (
        f'<link rel=attachment href="file:///etc/passwd"><img src="{watched}/x"> file:///etc/passwd'
    )
    merchant = await factories.merchant(name=name)
    request_id, _ = await factories.submitted(merchant, now)
    await factories.staff_decides(request_id, Action.APPROVE, now)
    assert (
        await render_document(ctx, await _document_key(request_id, "authorization"))
        == "rendered version 1"
    )
    reader = await _pdf(ctx, request_id, "authorization")
    assert "file:///etc/passwd" in reader.pages[0].extract_text() and HITS == []
    assert "/EmbeddedFiles" not in str(reader.trailer["/Root"].get("/Names", {}))


def test_a_verification_token_cannot_be_forged_or_moved_to_another_request() -> None:
    secret = "s3cret"
    token = verification_token(secret, "RD2612-D7J7-H7X2")
    assert rma_of_token(secret, token) == "RD2612-D7J7-H7X2"
    assert rma_of_token("other", token) is None
    assert rma_of_token(secret, token.replace("RD2612-D7J7-H7X2", "RD2612-NE6C-AA8N")) is None
    assert rma_of_token(secret, token[:-2]) is None and rma_of_token(secret, "x" * 500) is None


async def _approved_and_rendered(
    ctx: dict[str, Any], now: datetime, **merchant: Any
) -> tuple[int, int, str]:
    merchant_id = await factories.merchant(**merchant)
    request_id, rma = await factories.submitted(merchant_id, now, serials=("P8A0000VR01",))
    await factories.staff_decides(request_id, Action.APPROVE, now)
    assert (
        await render_document(ctx, await _document_key(request_id, "authorization"))
    ).startswith("rendered")
    return merchant_id, request_id, rma


async def test_the_qr_link_says_genuine_and_names_nothing_private(
    client: Any, ctx: dict[str, Any], now: datetime
) -> None:
    client.headers["Accept-Language"] = "en"
    _, _, rma = await _approved_and_rendered(ctx, now, phone="13812345678")
    link = f"/v/{verification_token(os.environ['SECRET_KEY'], rma)}"
    page = await client.get(link)
    assert (
        page.status_code == 200
        and "Genuine: ReturnDesk issued this return authorization." in page.text
    )
    assert rma in page.text and "Terminal" in page.text and "Ship by" in page.text
    assert "13812345678" not in page.text and "5678" not in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "Receive this parcel" not in page.text
    forged = await client.get(link[:-3] + "abc")
    main = forged.text[forged.text.index("<main") : forged.text.index("</main>")]
    assert forged.status_code == 404 and "Not genuine" in main and rma not in main
    await factories.staff_session(client, await factories.staff("dock", "inspector"))
    assert f'href="/staff/receive/{rma}"' in (await client.get(link)).text


async def test_the_merchant_and_staff_download_it_and_nobody_else(
    client: Any, ctx: dict[str, Any], now: datetime
) -> None:
    client.follow_redirects = False
    client.app.state.files = ctx["files"]  # the store the job wrote to
    merchant_id, _, rma = await _approved_and_rendered(ctx, now)
    await factories.sign_in(client, merchant_id)
    section = await client.get(f"/returns/{rma}/documents")
    assert (
        f'href="/returns/{rma}/documents/authorization"' in section.text
        and "data-poll" not in section.text
    )
    pdf = await client.get(f"/returns/{rma}/documents/authorization")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"].startswith("attachment") and pdf.content.startswith(
        b"%PDF"
    )
    # opened in the browser's viewer (WeChat cannot save a download), as inert as downloaded
    opened = await client.get(f"/returns/{rma}/documents/authorization", params={"open": "1"})
    assert opened.headers["content-disposition"].startswith("inline")
    assert opened.headers["content-security-policy"].endswith("sandbox")
    assert opened.content == pdf.content
    assert (await client.get(f"/returns/{rma}/documents/case_file")).status_code == 404
    client.cookies.clear()
    await factories.sign_in(client, await factories.merchant())
    assert (
        await client.get(f"/returns/{rma}/documents/authorization", params={"open": "1"})
    ).status_code == 404
    assert (await client.get(f"/returns/{rma}/documents/authorization")).status_code == 404
    client.cookies.clear()
    await factories.staff_session(client, await factories.staff("wang", "reviewer"))
    assert (await client.get(f"/staff/requests/{rma}/documents/authorization")).content.startswith(
        b"%PDF"
    )
    client.cookies.clear()
    outlet = await factories.outlet("SZ09")
    await factories.staff_session(
        client, await factories.staff("desk", "counter", outlet_id=outlet)
    )
    assert (await client.get(f"/staff/requests/{rma}/documents/authorization")).status_code == 404


async def test_two_runs_at_once_make_one_document_and_leave_no_stray_file(
    ctx: dict[str, Any], now: datetime
) -> None:
    import asyncio

    merchant = await factories.merchant()
    request_id, _ = await factories.submitted(merchant, now)
    await factories.staff_decides(request_id, Action.APPROVE, now)
    for key in ("document:twin-a", "document:twin-b"):
        await OutboxRow.insert(OutboxRow(key=key, job="render_document", due_at=now,
                                         payload={"request_id": request_id, "document": "authorization"}))  # fmt: skip
    results = await asyncio.gather(
        *(render_document(ctx, k) for k in ("document:twin-a", "document:twin-b"))
    )
    assert sorted(results) == ["recorded meanwhile by another run", "rendered version 1"]
    assert await Document.count() == 1
    assert len(list((ctx["files"].directory).glob("*.pdf"))) == 1


async def test_a_case_file_holds_the_record_and_every_file_with_hashes_that_check(
    client: Any, ctx: dict[str, Any], now: datetime
) -> None:
    import hashlib
    import zipfile

    from db.evidence import stage
    from db.staging import attach_staged
    from web.images import prepare_upload

    client.follow_redirects = False
    client.headers["Accept-Language"] = "en"
    client.app.state.files = ctx["files"]
    merchant_id = await factories.merchant(name="成都火锅店")
    request_id, rma = await factories.submitted(
        merchant_id, now, evidence=0, reason="change_of_mind"
    )
    photo = await prepare_upload("screen.png", _png())
    assert not isinstance(photo, str) and hasattr(photo, "content")
    staged = await stage(ctx["files"], request_id, f"merchant:{merchant_id}", photo)
    await attach_staged([staged], request_id)
    await factories.staff_decides(
        request_id, Action.REJECT, now, reason_code="evidence_unclear", message="照片模糊"
    )
    await factories.sign_in(client, merchant_id)
    token = await factories.csrf_token(client, f"/returns/{rma}")
    asked = await client.post(f"/returns/{rma}/case-file", data={"_csrf_token": token})
    assert asked.status_code == 303
    assert "being prepared" in (await client.get(f"/returns/{rma}/documents")).text
    key = await _document_key(request_id, "case_file")
    assert await render_document(ctx, key) == "rendered version 1"
    answer = await client.get(f"/returns/{rma}/documents/case_file")
    assert answer.headers["content-type"] == "application/zip"
    # a ZIP has no viewer to open in: asked to open, it is still a download
    opened = await client.get(f"/returns/{rma}/documents/case_file", params={"open": "1"})
    assert opened.headers["content-disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    manifest = archive.read("manifest.sha256").decode().splitlines()
    assert len(manifest) == 2  # the PDF and the one photo
    for line in manifest:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256(archive.read(name)).hexdigest() == digest, name
    text = "".join(
        page.extract_text() for page in PdfReader(io.BytesIO(archive.read("case-file.pdf"))).pages
    )
    for words in ("证据包", rma, "成都火锅店", "照片模糊", manifest[1].split("  ")[0][:32]):
        assert words in text.replace("\n", ""), words


async def test_the_case_file_names_staff_by_role_and_staff_number_not_by_name(
    ctx: dict[str, Any], now: datetime
) -> None:
    from db.documents import request_case_file
    from db.tables import Message

    merchant_id = await factories.merchant()
    # no evidence rows: the case file reads each file's bytes, and these tests keep none
    request_id, rma = await factories.submitted(
        merchant_id, now, evidence=0, reason="change_of_mind"
    )
    await factories.staff_decides(
        request_id,
        Action.REJECT,
        now,
        staff_id="staff:3",
        name="审核员 王芳",
        reason_code="evidence_unclear",
        message="照片模糊",
    )
    await Message.insert(
        Message(
            request=request_id,
            author_role="reviewer",
            author_id="staff:3",
            author_name="审核员 王芳",
            body="请补拍序列号标签",
        )
    )
    await request_case_file(request_id, rma, now)  # as the merchant's button asks

    assert await render_document(ctx, await _document_key(request_id, "case_file"))
    archive = zipfile.ZipFile(io.BytesIO(await ctx["files"].read(await _stored(request_id))))
    reader = PdfReader(io.BytesIO(archive.read("case-file.pdf")))
    # a narrow table cell may wrap the words: compared without their spaces
    text = "".join("".join(page.extract_text() for page in reader.pages).split())
    assert "照片模糊" in text and "请补拍序列号标签" in text
    assert text.count("审核员·工号0003") == 2  # the rejection and the message
    assert "王芳" not in text


async def _stored(request_id: int) -> str:
    row = await Document.select(Document.stored_name).where((Document.request_id == request_id) & (Document.kind == "case_file")).first()  # fmt: skip
    return str(row["stored_name"])


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 150, 90)).save(buffer, "PNG")
    return buffer.getvalue()


async def test_only_supervisors_among_staff_ask_for_or_open_a_case_file(
    client: Any, ctx: dict[str, Any], now: datetime
) -> None:
    client.follow_redirects = False
    _, rma = await factories.submitted(await factories.merchant(), now)
    await factories.staff_session(client, await factories.staff("wang", "reviewer"))
    token = await factories.csrf_token(client, "/staff/queue")
    assert (
        await client.post(f"/staff/requests/{rma}/case-file", data={"_csrf_token": token})
    ).status_code == 403
    assert (await client.get(f"/staff/requests/{rma}/documents/case_file")).status_code == 404
    client.cookies.clear()
    await factories.staff_session(client, await factories.staff("zhao", "supervisor"))
    token = await factories.csrf_token(client, "/staff/queue")
    assert (
        await client.post(f"/staff/requests/{rma}/case-file", data={"_csrf_token": token})
    ).status_code == 303
    assert await OutboxRow.count().where(OutboxRow.key.like(f"document:{rma}:case_file:%")) == 1


async def test_the_documents_and_verification_pages_pass_the_nu_checker(
    client: Any, ctx: dict[str, Any], now: datetime, tmp_path: Path
) -> None:
    from tests.integration.test_html_valid import nu_errors

    client.app.state.files = ctx["files"]
    merchant_id, _request_id, rma = await _approved_and_rendered(ctx, now)
    await factories.sign_in(client, merchant_id)
    pages = {"request-with-documents": (await client.get(f"/returns/{rma}")).text,
             "verify": (await client.get(f"/v/{verification_token(os.environ['SECRET_KEY'], rma)}")).text,
             "verify-forged": (await client.get("/v/RD2612-AAAA-AAAA.forged")).text}  # fmt: skip
    assert "download>" in pages["request-with-documents"]
    assert nu_errors(pages, tmp_path) == []


async def test_the_printed_authorization_scans_to_its_rma_and_its_verification_link(
    ctx: dict[str, Any], now: datetime, tmp_path: Path
) -> None:
    """As a courier's phone and a warehouse scanner meet it: the page printed at 150 dpi."""
    import asyncio
    import subprocess

    _, request_id, rma = await _approved_and_rendered(ctx, now)
    row = (
        await Document.select(Document.stored_name).where(Document.request_id == request_id).first()
    )
    pdf = tmp_path / "authorization.pdf"
    pdf.write_bytes(await ctx["files"].read(row["stored_name"]))

    def scanned() -> str:
        subprocess.run(
            ["pdftoppm", "-png", "-r", "150", str(pdf), str(tmp_path / "page")], check=True
        )
        found = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "page-1.png")],
                               capture_output=True, text=True, check=True)  # fmt: skip
        return found.stdout

    codes = set((await asyncio.to_thread(scanned)).split())
    link = f"https://returns.example.com/v/{verification_token(os.environ['SECRET_KEY'], rma)}"
    assert codes == {rma, link}
