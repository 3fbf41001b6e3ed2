"""Fixtures: one migrated database per test session (SQLite, or PostgreSQL when
DATABASE_URL is set), emptied after every test; factories for the domain; login helpers
that post forms with CSRF on, like a browser."""

from __future__ import annotations

import contextvars
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from transfers import create_app
from transfers.auth import models as auth_models
from transfers.auth.models import User
from transfers.auth.services import create_user
from transfers.extensions import db as _db
from transfers.extensions import limiter
from transfers.households.models import Household
from transfers.households.services import MemberInput, register_household
from transfers.jurisdictions.models import Jurisdiction, Site
from workflows.idcard import check_digit
from workflows.roles import Level, Role

PASSWORD = "secret-pass-1"
NOW = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # Monday 2026-11-02, 10:00 in China

auth_models.PASSWORD_METHOD = "pbkdf2:sha256:1000"


def make_id(
    area: str = "411221", birth: date = date(1980, 1, 1), seq: int = 1, sex: str = "M"
) -> str:
    code = seq * 2 + (1 if sex == "M" else 0)
    first17 = f"{area}{birth:%Y%m%d}{code % 1000:03d}"
    return first17 + check_digit(first17)


def _reset_schema(app: Flask) -> None:
    """Drop everything and run the real migrations (so tests cover them too)."""
    from flask_migrate import upgrade

    with app.app_context():
        engine = _db.engine
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            else:
                _db.metadata.drop_all(conn)
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="heads")


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, so it gets its own app context, `g` and
    database session, as in production, even while the test holds an app context."""

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def, override]
        return contextvars.Context().run(super().open, *args, **kwargs)


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    tmp = Path(tempfile.mkdtemp(prefix="transfers-test-"))
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp / 'test.sqlite3'}"
    os.environ["DATABASE_URL"] = url
    application = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "AUDIT_KEY": "test-audit-key",
            "UPLOAD_FOLDER": str(tmp / "documents"),
            "SERVER_NAME": "localhost",
            # Ledger checks and imports run in the request (tests/imports runs threads).
            "IMPORT_JOBS": "inline",
            "IMPORT_FOLDER": str(tmp / "imports"),
        }
    )
    application.test_client_class = IsolatedClient
    _reset_schema(application)
    yield application
    with application.app_context():
        _db.engine.dispose()


@pytest.fixture()
def db(app: Flask) -> Iterator[Any]:
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        with _db.engine.begin() as conn:
            for table in reversed(_db.metadata.sorted_tables):
                conn.execute(table.delete())
    from transfers.deadlines.services import invalidate_cache

    invalidate_cache()
    limiter.reset()


@pytest.fixture()
def client(app: Flask, db: Any) -> FlaskClient:
    return app.test_client()


class Geo:
    """A small tree: province 41 > city 4112 > counties 411221 and 411203, townships,
    villages; another province 14 for cross-province moves."""

    def __init__(self) -> None:
        self.by_code: dict[str, Jurisdiction] = {}
        rows = [
            ("41", "河南省", Level.PROVINCE, None),
            ("4112", "三门峡市", Level.CITY, "41"),
            ("411221", "渑池县", Level.COUNTY, "4112"),
            ("411221100", "城关镇", Level.TOWNSHIP, "411221"),
            ("411221100201", "幸福社区", Level.VILLAGE, "411221100"),
            ("411221100202", "阳光社区", Level.VILLAGE, "411221100"),
            ("411221101", "英豪镇", Level.TOWNSHIP, "411221"),
            ("411221101201", "英豪新村", Level.VILLAGE, "411221101"),
            ("411221205", "段村乡", Level.TOWNSHIP, "411221"),
            ("411221205201", "段村村", Level.VILLAGE, "411221205"),
            ("411203", "陕州区", Level.COUNTY, "4112"),
            ("411203105", "宫前乡", Level.TOWNSHIP, "411203"),
            ("411203105201", "宫前村", Level.VILLAGE, "411203105"),
            ("14", "山西省", Level.PROVINCE, None),
            ("1408", "运城市", Level.CITY, "14"),
            ("140827", "垣曲县", Level.COUNTY, "1408"),
            ("140827203", "历山镇", Level.TOWNSHIP, "140827"),
            ("140827203201", "历山村", Level.VILLAGE, "140827203"),
        ]
        for code, name, level, parent in rows:
            p = self.by_code.get(parent) if parent else None
            j = Jurisdiction(
                code=code,
                name=name,
                level=str(level),
                parent=p,
                path=(p.path if p else "") + code + "/",
            )
            _db.session.add(j)
            self.by_code[code] = j
        self.site = Site(
            name="幸福社区集中安置点",
            kind="centralized",
            jurisdiction=self.by_code["411221100201"],
            address="城关镇幸福路88号",
        )
        _db.session.add(self.site)
        _db.session.flush()

    def __getitem__(self, code: str) -> Jurisdiction:
        return self.by_code[code]


@pytest.fixture()
def geo(db: Any) -> Geo:
    g = Geo()
    _db.session.commit()
    return g


@pytest.fixture()
def make_user(db: Any, geo: Geo):  # type: ignore[no-untyped-def]
    counter = {"n": 0}

    def factory(role: Role, code: str, username: str | None = None) -> User:
        counter["n"] += 1
        name = username or f"{role.value}_{code}_{counter['n']}"
        user = create_user(name, f"{role.label}{counter['n']}", PASSWORD, [(role, geo[code])])
        user.session_token = "t"
        _db.session.commit()
        return user

    return factory


@pytest.fixture()
def make_household(db: Any, geo: Geo):  # type: ignore[no-untyped-def]
    counter = {"n": 0}

    def factory(
        origin: str = "411221205201",
        destination: str = "411221100201",
        members: int = 2,
        settlement_mode: str = "centralized",
        area: str = "411221",
        medical: tuple[str, ...] = (),
        **facts: Any,
    ) -> Household:
        counter["n"] += 1
        people = [
            MemberInput(
                name=["王建国", "李秀英", "王小明", "王小红"][i % 4],
                id_number=make_id(
                    area,
                    date(1970 + i, 1 + counter["n"] % 12, 1 + i),
                    counter["n"] * 7 + i,
                    "M" if i % 2 == 0 else "F",
                ),
                relation="户主" if i == 0 else ("配偶" if i == 1 else "子"),
                collective_member=True,
                medical_insurance=medical[i] if i < len(medical) else "resident",
            )
            for i in range(members)
        ]
        facts.setdefault("lives_at_destination", True)
        hh = register_household(
            origin=geo[origin],
            destination=geo[destination],
            site=geo.site
            if settlement_mode == "centralized" and destination == "411221100201"
            else None,
            settlement_mode=settlement_mode,
            members=people,
            actor=None,  # the system: no village staff grant needed
            now=NOW,
            **facts,
        )
        _db.session.commit()
        return hh

    return factory


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no CSRF token in page"
    return m.group(1)


def post_form(
    client: FlaskClient, page_url: str, data: dict[str, Any], post_url: str | None = None, **kw: Any
):  # type: ignore[no-untyped-def]
    """GET the page, take its CSRF token, POST the form like a browser."""
    page = client.get(page_url)
    token = csrf_from(page.get_data(as_text=True))
    return client.post(post_url or page_url, data={"csrf_token": token, **data}, **kw)


def login(client: FlaskClient, user: User, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    resp = post_form(client, "/login", {"username": user.username, "password": password})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    return resp


def race(app: Flask, user_ids: list[int], attempt: Callable[[User], Any]) -> list[str]:
    """Each user in a thread of its own, with its own app context and database session
    (as each request has), all calling `attempt(actor)` at once and committing: the
    outcomes, sorted ("won", "stale", or the error)."""
    from transfers.engine import StaleVersion

    barrier = threading.Barrier(len(user_ids))
    results: list[str] = []

    def worker(user_id: int) -> None:
        with app.app_context():
            actor = _db.session.get(User, user_id)
            assert actor is not None and actor.grants  # loaded before the race
            barrier.wait()
            try:
                attempt(actor)
                _db.session.commit()
                results.append("won")
            except StaleVersion:
                _db.session.rollback()
                results.append("stale")
            except Exception as e:  # noqa: BLE001
                _db.session.rollback()
                results.append(f"error {type(e).__name__}: {e}")
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=worker, args=(uid,)) for uid in user_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(results)
