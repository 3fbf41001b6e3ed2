"""Surnames read as surnames in the pinyin initials

Revision ID: 0021_surname_initials
Revises: 0020_import_grant_granted_by
Create Date: 2026-12-06

`person.name_initials` of people whose surname is read otherwise than its character's
common reading (单 Shàn, 曾 Zēng, 解 Xiè, ...: transfers/households/surnames.py): the
surname's letters are replaced, the given name's kept. Single surnames first, so that a
two-character one (尉迟) then overwrites both its letters.
"""

import sqlalchemy as sa
from alembic import op

from transfers.households.surnames import COMPOUND, SINGLE

revision = "0021_surname_initials"
down_revision = "0020_import_grant_granted_by"
branch_labels = None
depends_on = None

person = sa.table(
    "person", sa.column("name", sa.String()), sa.column("name_initials", sa.String())
)


def upgrade():
    for surnames in (SINGLE, COMPOUND):
        for surname, letters in surnames.items():
            rest = sa.func.substr(person.c.name_initials, len(surname) + 1)
            op.execute(
                person.update()
                .where(person.c.name.like(surname + "%"))
                .values(name_initials=sa.literal(letters) + rest)
            )


def downgrade():
    """The common readings are not kept: the surnames' initials stay as upgraded."""
