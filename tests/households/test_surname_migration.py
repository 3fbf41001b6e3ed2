"""Migration 0021 rewrites the initials stored before surnames were read as surnames.

Runs the real migrations on a database of its own (SQLite: this is about the
migration's data step, not about the database)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from tests.own_database import app_on_own_database
from transfers.demo import load_demo
from transfers.extensions import db
from transfers.households.models import Person

# name: (initials as stored before, initials after the upgrade)
STORED = {
    "单田芳": ("dtf", "stf"),
    "尉迟恭": ("wcg", "ycg"),
    "曾国藩": ("cgf", "zgf"),
    "王单": ("wd", "wd"),
}


def test_stored_initials_of_surnames_are_rewritten(app: Flask, tmp_path: Path) -> None:
    upgraded = app_on_own_database(app, tmp_path)
    with upgraded.app_context():
        upgrade(revision="heads")
        load_demo(households=3)
        people = db.session.scalars(select(Person).order_by(Person.id).limit(len(STORED))).all()
        for person, (name, (before, _after)) in zip(people, STORED.items(), strict=True):
            person.name, person.name_initials = name, before
        db.session.commit()
        db.session.remove()
        downgrade(revision="0020_import_grant_granted_by")
        upgrade(revision="heads")
        found = {n: i for n, i in db.session.execute(select(Person.name, Person.name_initials))}
        assert {name: found[name] for name in STORED} == {n: a for n, (_b, a) in STORED.items()}
        db.session.remove()
        db.engine.dispose()
