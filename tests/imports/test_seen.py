"""The check's scratch store: what it remembers comes back as it went in, and the file
on disk holds no ID number (a file a crash leaves behind tells nobody whose they were)."""

from __future__ import annotations

from datetime import date

from tests.conftest import make_id
from transfers.imports.seen import Seen


def test_the_store_gives_back_what_it_kept_and_holds_no_id_number() -> None:
    first, second = make_id(birth=date(1980, 3, 1)), make_id(birth=date(1985, 7, 9), seq=2)
    seen = Seen()
    try:
        seen.save("ids", [(first, 4, "H01", 1), (second, 5, "H01", 2)])
        seen.save("members", [("H01", 2)])
        assert sorted(seen.load("ids", [second, first, "411221199001010000"])) == sorted(
            [(first, 4, "H01", 1), (second, 5, "H01", 2)]
        )
        assert list(seen.load("members", ["H01", "H02"])) == [("H01", 2)]
        seen.save("ids", [(first, 9, "H03", 1)])  # a later row replaces what a key had
        assert list(seen.load("ids", [first])) == [(first, 9, "H03", 1)]
        content = seen.path.read_bytes()  # the file as a stranger would read it
        assert first.encode() not in content and second.encode() not in content
        assert b"H01" in content  # what was saved is there (a household number is not personal)
    finally:
        seen.close()
    assert not seen.path.exists()  # deleted with the check
