"""The staged rows' ID numbers already registered, asked of the database in one query.

The same answer as `households.validation.registered_people` (who holds each number, and
whether the importing user may see that household), asked with the staged rows
themselves rather than with a list of their numbers: a list of 2,000 to 4,000 numbers
makes a new statement for every chunk, which the database parses and plans again, and
which the SQLite driver keeps in its statement cache (tens of MiB over a large import);
a subquery over the chunk's rows is one statement for the whole file.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, select

from transfers.auth.models import User
from transfers.households.models import Person
from transfers.households.validation import Registered, registered_matching
from transfers.imports.models import ImportRow


def registered_among(rows: ColumnElement[bool], viewer: User | None) -> dict[str, Registered]:
    """ID number -> who holds it, for the numbers of the staged rows `rows` selects that
    are registered already. `viewer` None is the system: it may see every household."""
    numbers = select(ImportRow.id_number).where(rows, ImportRow.id_number.is_not(None))
    return registered_matching(Person.id_number.in_(numbers), viewer)
