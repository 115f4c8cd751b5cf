"""The one line `make bench` ends with: the figures its sections recorded, by name, in a fixed
order — `na` for a figure whose section did not run."""

from __future__ import annotations

FIELDS = ("request_page", "request_p99_ms", "home", "poll", "form_post", "form_post_p99_ms",
          "queue_p95_ms", "pdf", "notify", "scale_2web", "first_load_kb", "phone_photo_kb",
          "resume_ms")  # fmt: skip
_recorded: dict[str, float] = {}


def record(name: str, value: float) -> None:
    assert name in FIELDS, name
    _recorded[name] = value


def bench_line() -> str:
    def shown(name: str) -> str:
        if name not in _recorded:
            return "na"
        value = _recorded[name]
        return f"{value:.0f}" if name.endswith(("_ms", "_kb")) and value >= 10 else f"{value:.3g}"

    return "BENCH " + " ".join(f"{name}={shown(name)}" for name in FIELDS)
