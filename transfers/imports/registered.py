"""The staged rows' ID numbers already registered, asked of the database in one query.

The same answer as `households.validation.registered_people` (who holds each number, and
whether the importing user may see that household), asked with the staged rows
themselves rather than with a list of their numbers: a list of 2,000 to 4,000 numbers
makes a new statement for every chunk, which the database parses and plans again, and
which the SQLite driver keeps in its statement cache (tens of MiB over a large import);
a subquery over the chunk's rows is one statement for the whole file.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, literal, select

from transfers.auth.models import User
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.households.validation import Registered
from transfers.imports.models import ImportRow
from transfers.visibility import households_condition, user_paths


def registered_among(rows: ColumnElement[bool], viewer: User | None) -> dict[str, Registered]:
    """ID number -> who holds it, for the numbers of the staged rows `rows` selects that
    are registered already. `viewer` None is the system: it may see every household."""
    visible = literal(True) if viewer is None else households_condition(user_paths(viewer))
    numbers = select(ImportRow.id_number).where(rows, ImportRow.id_number.is_not(None))
    found = db.session.execute(
        select(Person.id_number, Person.household_id, Person.name, visible.label("visible"))
        .join(Household, Household.id == Person.household_id)
        .where(Person.id_number.in_(numbers))
    )
    return {r.id_number: Registered(r.household_id, r.name, bool(r.visible)) for r in found}
