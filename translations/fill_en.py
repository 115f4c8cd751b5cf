"""The English catalog: msgids are English already, so each msgstr repeats its msgid."""

from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(__file__).parent / "en" / "LC_MESSAGES" / "messages.po"
with path.open("rb") as file:
    catalog = read_po(file)
for message in catalog:
    if not message.id:
        continue
    if isinstance(message.id, str):
        message.string = message.string or message.id
    elif not all(message.string):
        message.string = tuple(message.id)  # singular and plural, as written
with path.open("wb") as file:
    write_po(file, catalog, width=0, no_location=True)
