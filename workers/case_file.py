"""The case file (证据包, DESIGN §4): the whole record of one request for a dispute that goes
further — timeline, decisions with their reasons, messages, the policy version, every file
with its SHA-256 — as a PDF, packed in a ZIP with the original files and a manifest of their
hashes (`sha256sum -c manifest.sha256` checks it). Staff-only notes are not part of it."""

from __future__ import annotations

import asyncio
import hashlib
import io
import re
import zipfile
from typing import Any

import texts
from db.documents import case_file_sources
from db.files import FileStore
from db.request_views import RequestPage
from domain.approvals import REASON_CODE_LABELS
from domain.attribution import as_merchant_sees
from domain.labels import EVENT_LABELS, REASON_LABELS, STATE_LABELS
from domain.side_cases import SIDE_CASE_LABELS

_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


def _archive_name(number: int, original: str) -> str:
    """A name inside the ZIP: numbered, no path, nothing a file system would trip over."""
    cleaned = _UNSAFE.sub("_", original.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("._")
    return f"files/{number:02d}-{cleaned[:80] or 'file'}"


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


class _Words:
    """How the case file words things for its reader: their language, their time zone."""

    def __init__(self, locale: str, zone: str) -> None:
        self.locale, self.zone = locale, zone
        self._ = texts.translations(locale).gettext

    def when(self, value: Any) -> str:
        return texts.format_full(value, self.locale, self.zone)

    def who(self, role: Any, actor_id: str) -> str:
        """As the merchant, who downloads it, is told: staff by role and staff number."""
        return texts.render(as_merchant_sees(role, actor_id), self.locale, self.zone)


async def _files(store: FileStore, request_id: int, words: _Words) -> list[dict[str, Any]]:
    """Each file with the SHA-256 of the bytes kept (read now: what the ZIP will hold)."""
    files = []
    for number, row in enumerate(await case_file_sources(request_id), 1):
        content = await store.read(row["stored_name"])
        digest = await asyncio.to_thread(_sha256, content)
        files.append({"name": _archive_name(number, row["original_name"]),
                      "original": row["original_name"], "sha256": digest,
                      "size": len(content), "when": words.when(row["created_at"]),
                      "stored_name": row["stored_name"]})  # fmt: skip
    return files


def _messages(page: RequestPage, words: _Words) -> list[dict[str, str]]:
    def shown(message: Any, case: str) -> dict[str, str]:
        return {"when": words.when(message.at), "who": words.who(message.author_role, message.author_id),
                "body": message.body, "case": case}  # fmt: skip

    threads = [shown(m, "") for m in page.thread]
    for case in page.side_cases:
        threads += [shown(m, words._(SIDE_CASE_LABELS[case.kind])) for m in case.messages]
    return threads


def _timeline(page: RequestPage, words: _Words) -> list[dict[str, str]]:
    _ = words._
    return [{"when": words.when(e.at), "what": _(EVENT_LABELS[e.action]),
             "who": words.who(e.actor_role, e.actor_id),
             "state": _(STATE_LABELS[e.to_state]) if e.to_state else "",
             "reason_code": _(REASON_CODE_LABELS[e.reason_code]) if e.reason_code in REASON_CODE_LABELS else e.reason_code, "message": e.message}
            for e in reversed(page.timeline)]  # fmt: skip


async def case_file_facts(
    ctx: dict[str, Any], page: RequestPage, merchant: str, locale: str
) -> dict[str, Any]:
    words, snapshot = _Words(locale, ctx["timezone"]), page.snapshot
    _ = words._
    items = [{"name": i.name_zh if locale == "zh_CN" else i.name_en, "serial": i.serial_number or "",
              "quantity": i.quantity} for i in page.details.items]  # fmt: skip
    return {
        "rma": page.details.rma,
        "merchant": merchant,
        "order_no": page.details.order_no,
        "state": _(STATE_LABELS[snapshot.state]),
        "reason": _(REASON_LABELS[snapshot.reason]) if snapshot.reason else "",
        "description": page.details.description,
        "policy_version": snapshot.policy.version,
        "items": items,
        "timeline": _timeline(page, words),
        "messages": _messages(page, words),
        "files": await _files(ctx["files"], page.details.id, words),
    }


async def case_file_zip(
    store: FileStore, facts: dict[str, Any], pdf: bytes, generated: str
) -> bytes:
    """The ZIP: the PDF, every file as it is kept, and the manifest of their SHA-256. The
    files are read here; hashing and compressing (megabytes) run off the event loop."""
    contents = [await store.read(file["stored_name"]) for file in facts["files"]]
    return await asyncio.to_thread(_packed, facts, pdf, contents, generated)


def _packed(facts: dict[str, Any], pdf: bytes, contents: list[bytes], generated: str) -> bytes:
    out = io.BytesIO()
    lines = [f"{_sha256(pdf)}  case-file.pdf"]
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("case-file.pdf", pdf)
        for file, content in zip(facts["files"], contents, strict=True):
            if _sha256(content) != file["sha256"]:
                raise RuntimeError(f"{file['name']} changed while the case file was made")
            archive.writestr(file["name"], content)
            lines.append(f"{file['sha256']}  {file['name']}")
        archive.writestr("manifest.sha256", "\n".join(lines) + "\n")
        archive.writestr(
            "README.txt",
            f"ReturnDesk case file {facts['rma']}, generated {generated}.\n"
            "Check the files with: sha256sum -c manifest.sha256\n",
        )
    return out.getvalue()
