"""The demo county: 河南省三门峡市渑池县, its townships, villages, sites, households,
users for every office, and cases in many states (some overdue).

Cases are moved through the real engine at past instants, so their timelines, due
dates and audit chains are exactly what real use would have produced.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click
from sqlalchemy import select

from transfers.auth.models import User
from transfers.auth.services import create_user
from transfers.cases.services import open_intake
from transfers.demo_county import (
    DEMO_PASSWORD,
    SITES,
    SURNAMES,
    USERS,
    IdFactory,
    create_jurisdictions,
    random_birth,
    random_name,
)
from transfers.demo_procedures import demo_procedures
from transfers.engine import act
from transfers.engine.service import open_task
from transfers.extensions import db
from transfers.households.models import Household, Person
from transfers.households.services import MemberInput, register_household
from transfers.jurisdictions.models import Site

if TYPE_CHECKING:
    from transfers.deadlines.sweep import SweepResult


def print_logins() -> None:
    click.echo(f"Demo logins (password: {DEMO_PASSWORD}):")
    for username, display, role, code in USERS:
        click.echo(f"  {username:<24} {role.label:<14} {display}（{code}）")


def load_demo(seed: int = 20261127, households: int = 230) -> dict[str, Any]:
    rng = random.Random(seed)
    js = create_jurisdictions()
    sites = {}
    for name, kind, code, address in SITES:
        s = Site(name=name, kind=kind, jurisdiction=js[code], address=address)
        db.session.add(s)
        sites[code] = s
    users: dict[str, User] = {}
    for username, display, role, code in USERS:
        users[username] = create_user(username, display, DEMO_PASSWORD, [(role, js[code])])
    db.session.flush()

    staff_by_village = {
        "411221100201": users["xingfu_staff"],
        "411221100202": users["yangguang_staff"],
        "411221100203": users["shaofeng_staff"],
        "411221101201": users["yinghao_staff"],
    }
    origins = (
        ["411221205201", "411221205202", "411221205203", "411221206201", "411221206202"] * 4
        + ["411221207201", "411221207202"] * 2
        + ["411203105201", "411203105202"]
        + ["140827203201"]
    )
    origin_area = {"4112": "411221", "14": "140827"}
    ids = IdFactory()
    base = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
    all_households: list[Household] = []
    for _ in range(households):
        dest_code = rng.choices(list(staff_by_village), weights=(45, 30, 10, 15))[0]
        origin_code = rng.choice(origins)
        site = sites[dest_code]
        mode = site.kind
        surname = rng.choice(SURNAMES)
        head_sex = "M" if rng.random() < 0.85 else "F"
        area = origin_code[:6] if origin_code.startswith("41") else origin_area["14"]
        members: list[MemberInput] = []
        head_birth = random_birth(rng, 30, 75)
        members.append(_member(rng, ids, area, "户主", head_sex, head_birth, surname))
        if rng.random() < 0.85:
            members.append(
                _member(
                    rng,
                    ids,
                    area,
                    "配偶",
                    "F" if head_sex == "M" else "M",
                    head_birth + timedelta(days=rng.randint(-1500, 1500)),
                    None,
                )
            )
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            child_sex = rng.choice("MF")
            child_birth = head_birth + timedelta(days=rng.randint(20 * 365, 35 * 365))
            if child_birth > date(2026, 1, 1):
                child_birth = date(2026, 1, 1) - timedelta(days=rng.randint(100, 3000))
            members.append(
                _member(
                    rng,
                    ids,
                    area,
                    "子" if child_sex == "M" else "女",
                    child_sex,
                    child_birth,
                    surname,
                )
            )
        if rng.random() < 0.3 and head_birth.year > 1960:
            members.append(
                _member(
                    rng,
                    ids,
                    area,
                    "母亲",
                    "F",
                    head_birth - timedelta(days=rng.randint(20 * 365, 30 * 365)),
                    None,
                )
            )
        moved_on = (base - timedelta(days=rng.randint(60, 700))).date()
        hh = register_household(
            origin=js[origin_code],
            destination=js[dest_code],
            site=site if mode == "centralized" else None,
            settlement_mode=mode,
            members=members,
            actor=staff_by_village[dest_code],
            now=base - timedelta(days=400),
            moved_on=moved_on,
            has_destination_housing=mode == "scattered" or rng.random() < 0.1,
            lives_at_destination=rng.random() < 0.93,
            has_destination_homestead=mode == "scattered" and rng.random() < 0.5,
            has_destination_contracted_land=rng.random() < 0.08,
            address=site.address
            if mode == "centralized"
            else f"{site.address}{rng.randint(1, 12)}组",
            phone=f"13{rng.randint(100000000, 999999999)}",
        )
        all_households.append(hh)
    db.session.flush()

    cases = _demo_cases(rng, all_households, staff_by_village, users, base)
    cases += demo_procedures(rng, all_households, staff_by_village, users, base)
    swept = _demo_deadlines(rng, staff_by_village, users, base)
    return {
        "jurisdictions": len(js),
        "sites": len(sites),
        "households": len(all_households),
        "persons": sum(len(h.members) for h in all_households),
        "cases": cases,
        "users": len(users),
        "escalations": sum(swept.escalations.values()),
        "problems": swept.problems,
    }


def _member(
    rng: random.Random,
    ids: IdFactory,
    area: str,
    relation: str,
    sex: str,
    birth: date,
    surname: str | None,
) -> MemberInput:
    age = (date(2026, 11, 27) - birth).days // 365
    adult = age >= 18
    return MemberInput(
        name=random_name(rng, sex, surname if relation in ("户主", "子", "女") else None),
        id_number=ids.make(rng, area, birth, sex),
        relation=relation,
        party_status=("full" if rng.random() < 0.08 else "none") if adult else "none",
        collective_member=adult and rng.random() < 0.8,
        pension_status=("receiving" if age >= 60 else "contributing") if adult else "none",
        medical_insurance=rng.choices(["resident", "employee", "none", "lapsed"], (88, 5, 4, 3))[0],
        assistance=rng.choices(["none", "dibao_rural", "tekun"], (80, 16, 4))[0]
        if adult
        else "none",
        registered_poor=rng.random() < 0.7,
    )


def _demo_cases(
    rng: random.Random,
    households: list[Household],
    staff_by_village: dict[str, User],
    users: dict[str, User],
    base: datetime,
) -> int:
    """Open hukou cases for most households at past dates and move them on."""
    police = {"411221100": users["chengguan_police"], "411221101": users["yinghao_police"]}
    count = 0
    for hh in households:
        if rng.random() < 0.2:
            continue
        staff = staff_by_village[hh.destination.code]
        opened = base - timedelta(days=rng.randint(1, 60), hours=rng.randint(0, 6))
        intake = open_intake(
            household=hh,
            requests=[(p, "hukou") for p in hh.members],
            actor=staff,
            now=opened,
        )
        for case in intake.cases:
            count += 1
            roll = rng.random()
            if roll < 0.25:
                continue  # still at the window
            t1 = opened + timedelta(days=rng.randint(0, 6), hours=1)
            from transfers.engine.service import build_context
            from workflows.hukou import HukouOption, option_eligibility

            ctx = build_context(case, t1)
            allowed = [o for o, e in option_eligibility(ctx.facts).items() if e.allowed]
            if roll < 0.33:
                act(
                    case_id=case.id,
                    action="decline",
                    actor=staff,
                    seen_version=case.version,
                    data={"residence_permit": "y", "note": "本人自愿保留原籍户口，申领居住证"},
                    now=t1,
                )
                continue
            option = rng.choice(allowed)
            data: dict[str, Any] = {"option": option.value}
            if option is HukouOption.SITE_ADDRESS:
                data.update(
                    building=str(rng.randint(1, 12)),
                    unit=str(rng.randint(1, 4)),
                    door=f"{rng.randint(1, 18)}0{rng.randint(1, 4)}",
                )
            if option is HukouOption.VILLAGE_GROUP:
                data["group_name"] = f"第{rng.randint(1, 9)}村民小组"
            act(
                case_id=case.id,
                action="submit",
                actor=staff,
                seen_version=case.version,
                data=data,
                now=t1,
            )
            if roll < 0.65:
                continue  # waiting at the police station (some overdue)
            t2 = t1 + timedelta(days=rng.randint(1, 12), hours=2)
            if t2 > base:
                continue
            township = hh.destination.parent
            assert township is not None  # every demo village lies in a township
            officer = police[township.code]
            task = open_task(case)
            if roll < 0.70:
                act(
                    case_id=case.id,
                    action="return",
                    actor=officer,
                    seen_version=case.version,
                    data={"reason": "户口簿复印件不清晰，请补正"},
                    now=t2,
                )
                continue
            act(
                case_id=case.id,
                action="approve",
                actor=officer,
                seen_version=case.version,
                data={
                    "new_address": case.data.get("proposed_address", ""),
                    "registered_on": t2.date().isoformat(),
                },
                now=t2,
            )
            assert task is not None
    db.session.flush()
    return count


def _demo_deadlines(
    rng: random.Random, staff_by_village: dict[str, User], users: dict[str, User], base: datetime
) -> SweepResult:
    """One-time notices at the window (one answered, one waiting), then the sweep as of
    `base`: reminders, 催办 and 督办 with their ledger problems, one of them closed off,
    and the supervisors' daily digest."""
    from transfers.deadlines.suspension import receive_item, suspend
    from transfers.deadlines.sweep import sweep
    from transfers.inbox.digest import send_digests
    from transfers.tasks.models import Task

    waiting = db.session.scalars(
        select(Task)
        .where(Task.closed_at.is_(None), Task.state == "application", Task.due_on >= base.date())
        .order_by(Task.id)
    ).all()
    items = ["户口簿原件及复印件", "安置房分配协议或入住证明", "居民身份证复印件"]
    for n, task in enumerate(waiting[:2]):
        staff = staff_by_village[task.jurisdiction.code]
        started = base - timedelta(days=3 - n, hours=2)
        s = suspend(task, actor=staff, reason="申请材料不齐全", now=started, missing_items=items)
        if n == 0:
            for day, item in enumerate(s.items, start=1):
                receive_item(item, actor=staff, now=started + timedelta(days=day))
    result = sweep(base)
    _close_one_problem(users, base)
    send_digests(base)  # the supervisors' daily digest of that sweep
    db.session.flush()
    return result


__all__ = ["DEMO_PASSWORD", "load_demo", "print_logins", "Person", "select"]


def _close_one_problem(users: dict[str, User], base: datetime) -> None:
    """A 催办 answered as offices do: the supervisor records the measures, the police
    station completes the overdue hukou case, and the supervisor closes the problem off."""
    from transfers.supervision.ledgers import close_problem, plan_rectification
    from transfers.supervision.models import Problem

    police = {"411221100": users["chengguan_police"], "411221101": users["yinghao_police"]}

    def officer(problem: Problem) -> User | None:
        township = problem.case.household.destination.parent
        return police.get(township.code) if township is not None else None

    problems = db.session.scalars(select(Problem).order_by(Problem.id)).all()
    first = next(
        (
            p
            for p in problems
            if p.case.procedure == "hukou" and p.case.state == "police_review" and officer(p)
        ),
        None,
    )
    approver = officer(first) if first is not None else None
    if first is None or approver is None:
        return
    lead = (
        users["chengguan_lead"]
        if first.jurisdiction_path.startswith("41/4112/411221/411221100/")
        else users["mianchi_lead"]
    )
    plan_rectification(
        first,
        actor=lead,
        measures="约谈承办人，限期办结",
        office=first.office or "承办单位",
        rectify_by=(base + timedelta(days=7)).date(),
    )
    case = first.case
    act(
        case_id=case.id,
        action="approve",
        actor=approver,
        seen_version=None,
        data={
            "new_address": case.data.get("proposed_address", ""),
            "registered_on": base.date().isoformat(),
        },
        now=base + timedelta(minutes=20),
    )
    close_problem(
        first,
        actor=lead,
        resolution="已督促派出所办结，群众已确认",
        now=base + timedelta(minutes=30),
    )
