"""Both catalogs are complete and current: every string a user can see has its Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from settings import PROJECT_ROOT

TRANSLATIONS = PROJECT_ROOT / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file)


def _source_msgids() -> set[str]:
    method_map = [
        ("domain/**.py", "python"),
        ("web/**.py", "python"),
        ("workers/**.py", "python"),
        ("db/**.py", "python"),
        ("templates/**.html", "jinja2"),
    ]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    ids: set[str] = set()
    for _, _, message, _, _ in extract_from_dir(
        str(PROJECT_ROOT),
        method_map,
        options,
        keywords={"N_": None, "_": None, "gettext": None, "ngettext": (1, 2)},
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_string_in_the_source_is_in_the_catalogs() -> None:
    catalog_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog("zh_CN") if m.id}
    missing = _source_msgids() - catalog_ids
    assert not missing, f"run `make catalogs` and translate: {sorted(missing)[:10]}"


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_message_is_translated_with_the_same_placeholders(locale: str) -> None:
    problems = []
    for message in _catalog(locale):
        if not message.id:
            continue
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        msgstr = message.string if isinstance(message.string, str) else message.string[0]
        if not msgstr or message.fuzzy:
            problems.append(f"untranslated: {msgid}")
        elif set(PLACEHOLDER.findall(msgid)) != set(PLACEHOLDER.findall(msgstr)):
            problems.append(f"placeholders differ: {msgid}")
    assert not problems, problems[:10]


def test_compiled_catalogs_exist_for_both_languages() -> None:
    for locale in ("zh_CN", "en"):
        assert Path(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").exists()
