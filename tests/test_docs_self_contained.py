"""The repository explains itself: no tracked file points at a document outside it.

The rules are stated, with their public sources, in docs/policy.md and the design in
docs/architecture.md; a reference to a specification kept elsewhere (a policy, design,
style or UX note, a numbered source text) would leave a reader of the repository with
nothing to open.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Names of documents that live outside the repository, spelled in parts so that this
# file does not name them itself. Case-sensitive on purpose: the repository's own
# docs/policy.md must not match the upper-case note of the same stem.
NOTES = ("POLICY", "DESIGN", "STYLE", "UX")
SEED, SHARED = "seed", "shar" + "ed"


def md(stem: str) -> str:
    return stem + ".md"


OUTSIDE = re.compile(
    r"\b(?:" + "|".join(NOTES) + r")\.md\b"
    rf"|\b[Ss]{SEED[1:]}s?\s*0\d\d\b"
    rf"|\b{SEED}s/"
    rf"|(?:\.\./|/work/){SHARED}/"
)


def tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    files = [ROOT / name.decode() for name in listed if name]
    return [f for f in files if f.is_file() and f.suffix not in {".png", ".jpg", ".ico", ".mo"}]


def outside_references(text: str) -> list[str]:
    return [m.group(0) for m in OUTSIDE.finditer(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        (f'"""Pension, {md("POLICY")} §4."""', [md("POLICY")]),
        (f"# see {md('DESIGN')}, The engine", [md("DESIGN")]),
        (f"({md('STYLE')}) and ({md('UX')})", [md("STYLE"), md("UX")]),
        (
            f"{SEED} 002 一(三); S{SEED[1:]} 000 (九); {SEED}s 000",
            [f"{SEED} 002", f"S{SEED[1:]} 000", f"{SEED}s 000"],
        ),
        (
            f"the originals in `{SEED}s/` and ../{SHARED}/{md('UX')}",
            [f"{SEED}s/", f"../{SHARED}/", md("UX")],
        ),
        ("docs/policy.md §3; --seed 20261127; random.Random(seed=7)", []),
    ],
)
def test_the_pattern_finds_outside_names_only(text, found):
    assert outside_references(text) == found


def test_no_tracked_file_refers_to_a_document_outside_the_repository():
    files = tracked_text_files()
    assert len(files) > 50  # git ls-files worked from the repository root
    offending = []
    for path in files:
        if path == Path(__file__).resolve():
            continue  # the examples above name what is looked for
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if outside_references(line):
                offending.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}")
    assert offending == [], "\n".join(offending)


SOURCE_PATH = re.compile(r"\b((?:transfers|workflows|bench|tests)/[\w/]+\.py)\b")


def test_every_source_file_the_docs_name_exists() -> None:
    """A module named in the README or docs/ is there: moved or deleted code leaves no
    pointer behind for a reader to follow into nothing."""
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    missing = sorted(
        f"{page.relative_to(ROOT)}: {name}"
        for page in pages
        for name in set(SOURCE_PATH.findall(page.read_text(encoding="utf-8")))
        if not (ROOT / name).exists()
    )
    assert missing == []
