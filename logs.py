"""How ReturnDesk's processes log: one JSON object per line (LOG_FORMAT=json, the default where
DEBUG is off) or plain text, each line carrying the id of the request whose change it is about.

The request id is made for each request (or taken from X-Request-ID when a trusted proxy sent
it), written with the outbox rows the request adds, handed with the job to the worker, and set
there while the job runs: one id follows a change from the page to the job that did its work.

No personal data leaves in clear: anything shaped like a mobile number is masked in every line,
whatever logged it (a provider's error text, an exception), on top of the code logging none.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="")
# ids we accept from a proxy: what nginx's $request_id and common tracers make, bounded
REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# mainland mobile numbers, alone or with +86 / 86 before them
_PHONE = re.compile(r"(?<!\d)(\+?86[- ]?)?(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_phones(text: str) -> str:
    return _PHONE.sub(lambda m: f"{m.group(1) or ''}{m.group(2)}****{m.group(4)}", text)


class JsonLines(logging.Formatter):
    """A line of JSON per record: time, level, logger, message, the request id, and any fields
    passed as `extra={"fields": {...}}`."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": mask_phones(record.getMessage()),
        }
        request_id = REQUEST_ID.get()
        if request_id:
            line["request_id"] = request_id
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info:
            line["error"] = mask_phones(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False, default=str)


class MaskedText(logging.Formatter):
    """Plain text for a developer's terminal, the request id and fields appended."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            text += " " + " ".join(f"{name}={value}" for name, value in fields.items())
        request_id = REQUEST_ID.get()
        return mask_phones(text + (f" request_id={request_id}" if request_id else ""))


def configure_logging(json_lines: bool, level: int = logging.INFO) -> None:
    """ReturnDesk's loggers ("returndesk.*") write to stderr in the chosen format, and other
    libraries' warnings the same way. Once per process (web, worker); handlers others added
    (a test runner's capture) are left in place."""
    # a line a request: skip what the logging module would otherwise gather for each record and
    # no line uses — the caller's file and line (a walk up the stack), thread and process names
    # (the logging HOWTO's "Optimization")
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "returndesk", False)]:
        root.removeHandler(handler)
    ours = logging.StreamHandler(sys.stderr)
    ours.returndesk = True  # type: ignore[attr-defined]
    ours.setFormatter(
        JsonLines() if json_lines else MaskedText("%(asctime)s %(levelname)s %(name)s %(message)s")
    )
    root.addHandler(ours)
    # arq's command line gives its logger a text handler of its own: its lines (a job begun,
    # ended) go through ours instead, once, in the same format
    logging.getLogger("arq").handlers.clear()
    if root.level == logging.NOTSET or root.level > logging.WARNING:
        root.setLevel(logging.WARNING)
    logging.getLogger("returndesk").setLevel(level)
