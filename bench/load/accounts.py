"""Accounts and data for the load test: each simulated official logs in as an account of
their own (a clone of a bench office: same role, same jurisdiction), clerks search for
households they can see, residents look up a receipt of their own.

    python bench/load/accounts.py --database-url URL --users 100 --out plan.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# Locust user class -> the bench office whose role and jurisdiction its accounts share.
OFFICES = {"clerk": "bench_staff", "approver": "bench_police", "supervisor": "bench_county_lead"}


def _stations(role: str, offices: int) -> list[int]:
    """The jurisdictions with the most open steps of `role`, at most `offices` of them:
    approvers are spread over the province's police stations as real ones are (one per
    township), so that a small province keeps work for every approver to the end."""
    from sqlalchemy import func, select

    from transfers.extensions import db
    from transfers.tasks.models import Task

    return list(
        db.session.scalars(
            select(Task.jurisdiction_id)
            .where(Task.role == role, Task.closed_at.is_(None))
            .group_by(Task.jurisdiction_id)
            .order_by(func.count().desc(), Task.jurisdiction_id)
            .limit(offices)
        )
    )


def _accounts(per_role: int) -> dict[str, list[str]]:
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from bench.province_tree import BENCH_PASSWORD
    from transfers.auth.models import RoleGrant, User
    from transfers.extensions import db

    password_hash = generate_password_hash(BENCH_PASSWORD)
    made: dict[str, list[str]] = {}
    for kind, office in OFFICES.items():
        model = db.session.scalars(select(User).where(User.username == office)).one()
        grants = db.session.scalars(select(RoleGrant).where(RoleGrant.user_id == model.id)).all()
        # Approvers: several to each of the busiest stations (rivals for the same steps).
        stations = _stations(grants[0].role, max(1, per_role // 4)) if kind == "approver" else []
        names = []
        for i in range(1, per_role + 1):
            name = f"load_{kind}_{i:03d}"
            names.append(name)
            if db.session.scalar(select(User.id).where(User.username == name)):
                continue
            user = User(username=name, display_name=name, password_hash=password_hash)
            db.session.add(user)
            db.session.flush()
            for g in grants:
                place = stations[i % len(stations)] if stations else g.jurisdiction_id
                db.session.add(RoleGrant(user_id=user.id, role=g.role, jurisdiction_id=place))
        made[kind] = names
    return made


def _searches(limit: int) -> list[str]:
    """Names of members of households the clerks' office sees (the one visibility rule)."""
    from sqlalchemy import select

    from transfers.auth.models import User
    from transfers.extensions import db
    from transfers.households.models import Household, Person
    from transfers.visibility import visible_households

    clerk = db.session.scalars(select(User).where(User.username == OFFICES["clerk"])).one()
    visible = visible_households(clerk).with_only_columns(Household.id).limit(limit).subquery()
    names = db.session.scalars(
        select(Person.name).where(
            Person.household_id.in_(select(visible.c.id)), Person.relation == "户主"
        )
    ).all()
    if not names:
        names = db.session.scalars(
            select(Person.name).where(Person.household_id.in_(select(visible.c.id)))
        ).all()
    return sorted(set(names))


def _receipts(limit: int) -> list[tuple[str, str]]:
    from sqlalchemy import func, select

    from transfers.cases.models import Intake
    from transfers.extensions import db
    from transfers.households.models import Person

    rows = db.session.execute(
        select(Intake.receipt_no, func.min(Person.id_number))
        .join(Person, Person.household_id == Intake.household_id)
        .group_by(Intake.receipt_no)
        .order_by(Intake.receipt_no)
        .limit(limit)
    ).all()
    return [(receipt, id_number[-4:]) for receipt, id_number in rows]


def prepare(per_role: int) -> dict[str, object]:
    from bench.province_tree import BENCH_PASSWORD
    from transfers import create_app
    from transfers.extensions import db

    app = create_app()
    with app.app_context():
        plan = {
            "password": BENCH_PASSWORD,
            "accounts": _accounts(per_role),
            "searches": _searches(500),
            "receipts": _receipts(2000),
        }
        db.session.commit()
    return plan


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--users", type=int, default=100, help="accounts per role")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    plan = prepare(args.users)
    Path(args.out).write_text(json.dumps(plan, ensure_ascii=False))
    accounts = plan["accounts"]
    assert isinstance(accounts, dict)
    print(
        f"accounts: {', '.join(f'{len(v)} {k}s' for k, v in accounts.items())}; "
        f"{len(plan['searches'])} search names, {len(plan['receipts'])} receipts"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
