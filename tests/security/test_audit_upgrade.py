"""Upgrading a database written with plain SHA-256 chains (before migration 0012): its
old rows keep verifying, new rows are keyed, and an old API token gets an expiry.

Runs the real migrations on a database of its own (SQLite: this is about the
migrations' data steps, not about the database)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from tests.conftest import NOW
from tests.own_database import app_on_own_database
from transfers.api.models import ApiToken
from transfers.api.tokens import create_token
from transfers.auth.models import User
from transfers.cases.models import Case, Event
from transfers.db import utcnow
from transfers.demo import load_demo
from transfers.engine.audit import event_payload, legacy_chain_hash
from transfers.engine.checkpoint import verify_audit
from transfers.extensions import db
from transfers.households.models import Person
from transfers.privacy.models import AccessLog, AuditState
from transfers.privacy.services import access_payload, reveal_id_number


def _rehash_plain() -> None:
    """Rewrite every chain as the version before keyed chains wrote it."""
    for case in db.session.scalars(select(Case)):
        prev = ""
        for ev in db.session.scalars(
            select(Event).where(Event.case_id == case.id).order_by(Event.id)
        ):
            payload = event_payload(
                case_id=ev.case_id,
                at=ev.at,
                actor_id=ev.actor_id,
                kind=ev.kind,
                action=ev.action,
                from_state=ev.from_state,
                to_state=ev.to_state,
                reason=ev.reason,
                data=ev.data,
            )
            ev.prev_hash, ev.hash = prev, legacy_chain_hash(prev, payload)
            prev = ev.hash
        case.last_event_hash = prev
    prev = ""
    for entry in db.session.scalars(select(AccessLog).order_by(AccessLog.id)):
        entry.prev_hash, entry.hash = prev, legacy_chain_hash(prev, access_payload(entry))
        prev = entry.hash


def test_an_upgraded_database_keeps_verifying(app: Flask, tmp_path: Path) -> None:
    upgraded = app_on_own_database(app, tmp_path)
    with upgraded.app_context():
        upgrade(revision="heads")
        load_demo(households=3)
        user = db.session.scalars(select(User).order_by(User.id)).first()
        for i, person in enumerate(db.session.scalars(select(Person).limit(3))):
            reveal_id_number(person=person, actor=user, purpose="hukou", now=NOW + timedelta(i))
        create_token(user, "old", now=NOW)
        _rehash_plain()
        db.session.commit()
        assert verify_audit().problems  # plain links are not accepted without the upgrade
        db.session.remove()
        downgrade(revision="0011_household_events")
        upgrade(revision="heads")

        state = db.session.get(AuditState, "access_log")
        last = db.session.scalars(select(AccessLog).order_by(AccessLog.id.desc())).first()
        assert (state.head, state.legacy_through) == (last.hash, last.id)
        assert verify_audit().problems == []
        token = db.session.scalars(select(ApiToken)).one()
        assert token.expires_at > utcnow() + timedelta(days=89) and not token.read_only

        user = db.session.get(User, token.user_id)
        reveal_id_number(person=last.person, actor=user, purpose="hukou", now=utcnow())
        db.session.commit()
        report = verify_audit()
        assert report.problems == [] and report.accesses == 4
        db.session.remove()
        db.engine.dispose()
