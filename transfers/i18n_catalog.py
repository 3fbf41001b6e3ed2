"""Refresh the English catalog: ``python -m transfers.i18n_catalog`` (``make translations``).

Extracts every marked string (babel.cfg), merges them into
``transfers/translations/en/LC_MESSAGES/messages.po`` (new entries empty, vanished ones
dropped, no fuzzy guesses) and lists the entries still to translate. ``--from REF``
(repeatable) also takes translations from the catalog as committed on a git ref, which
settles a merge of two branches that both added entries.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "transfers/translations/messages.pot"
PO = ROOT / "transfers/translations/en/LC_MESSAGES/messages.po"
PO_IN_REPO = "transfers/translations/en/LC_MESSAGES/messages.po"


# A catalog message's id or text: one string, or the singular and plural forms.
MessageText = str | tuple[str, ...] | list[str]


def _key(message_id: MessageText) -> str:
    return message_id if isinstance(message_id, str) else message_id[0]


def _translations(catalog: Catalog) -> dict[tuple[str, str | None], MessageText]:
    return {(_key(m.id), m.context): m.string for m in catalog if m.id and m.string and not m.fuzzy}


def refresh(refs: list[str]) -> list[str]:
    known: dict[tuple[str, str | None], MessageText] = {}
    for ref in refs:
        data = subprocess.run(
            ["git", "show", f"{ref}:{PO_IN_REPO}"], cwd=ROOT, capture_output=True, check=True
        ).stdout
        for k, v in _translations(read_po(io.BytesIO(data), locale="en")).items():
            known.setdefault(k, v)
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "N_", "--no-location", "--sort-output", "--omit-header",
         "-o", str(POT), "."],
        cwd=ROOT, check=True,
    )  # fmt: skip
    with POT.open("rb") as f:
        template = read_po(f)
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    for k, v in _translations(catalog).items():
        known.setdefault(k, v)
    before = {(_key(m.id), m.context) for m in catalog if m.id}
    created = catalog.creation_date
    catalog.update(template, no_fuzzy_matching=True)
    if {(_key(m.id), m.context) for m in catalog if m.id} == before:
        catalog.creation_date = created  # nothing new: no churn in the header
    catalog.project, catalog.version = "household-transfers", "1.0"
    catalog.copyright_holder = "household-transfers contributors"
    catalog.msgid_bugs_address = ""
    catalog.language_team = "English"
    catalog.last_translator = "household-transfers contributors"
    catalog.obsolete.clear()
    missing = []
    for m in catalog:
        if not m.id:
            continue
        m.flags.discard("fuzzy")
        if not m.string and (_key(m.id), m.context) in known:
            m.string = known[(_key(m.id), m.context)]
        if not m.string or (isinstance(m.string, tuple) and not all(m.string)):
            missing.append(_key(m.id))
    with PO.open("wb") as f:
        write_po(f, catalog, no_location=True, width=0, sort_output=True)
    return missing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="refs", action="append", default=[], metavar="REF")
    missing = refresh(parser.parse_args().refs)
    print(f"{PO.relative_to(ROOT)}: {len(missing)} entries to translate")
    for text in missing:
        print("  ", text)


if __name__ == "__main__":
    main()
