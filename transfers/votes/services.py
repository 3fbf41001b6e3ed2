"""Vote sessions: publish a list of applicants once, record every tally in one go.

A list action (docs/architecture.md, The engine): one transaction, one event per case, each case
moved by the engine with the same permission checks and rules as a single action.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select

from transfers.auth.models import User
from transfers.cases.models import Case
from transfers.deadlines.services import limit_for
from transfers.engine import PermissionDenied, act, open_task
from transfers.engine.errors import EngineError
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.tasks.models import Task
from transfers.tasks.permissions import holds
from transfers.votes.models import VoteEntry, VoteSession
from workflows.base import RuleViolation
from workflows.calendar import LimitUnit, local_date
from workflows.collective_membership import (
    DEFAULT_PUBLICITY_DAYS,
    NAME,
    Tally,
    TallyError,
    VotingBody,
    passes,
    publicity_end,
    vote_date_error,
)
from workflows.i18n import gettext as _
from workflows.roles import Role


class SessionError(EngineError):
    """Errors keyed by form field or by case id; nothing is saved."""

    status = 422

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


@dataclass(frozen=True)
class Tallied:
    in_favour: int
    against: int = 0
    abstaining: int = 0


def can_manage(user: User, village: Jurisdiction) -> bool:
    """The collective economic organization of that village or community."""
    return user.is_authenticated and holds(user, Role.COLLECTIVE_ORG, village.id)


def collective_villages(user: User) -> list[Jurisdiction]:
    return [g.jurisdiction for g in user.grants if g.role == Role.COLLECTIVE_ORG]


def default_publicity_days(village: Jurisdiction) -> int:
    """The configured publicity limit for this village, when set in calendar days."""
    limit = limit_for(NAME, "publicity", village.path)
    if limit is not None and limit.unit is LimitUnit.CALENDAR_DAYS:
        return limit.amount
    return DEFAULT_PUBLICITY_DAYS


def last_session(village: Jurisdiction) -> VoteSession | None:
    """The collective's latest session: its voting body and size are the likeliest for
    the next one (the form starts from them)."""
    return db.session.scalar(
        select(VoteSession)
        .where(VoteSession.jurisdiction_id == village.id)
        .order_by(VoteSession.id.desc())
        .limit(1)
    )


def applicants_waiting(village: Jurisdiction) -> list[Case]:
    """Written applications of this organization not yet published."""
    return list(
        db.session.scalars(
            select(Case)
            .join(Task, Task.case_id == Case.id)
            .where(
                Case.procedure == NAME,
                Case.state == "application",
                Task.closed_at.is_(None),
                Task.role == Role.COLLECTIVE_ORG,
                Task.jurisdiction_id == village.id,
            )
            .order_by(Case.id)
        )
    )


def next_notice_no(village: Jurisdiction, day: date) -> str:
    prefix = f"{village.code}-GS-{day.year}-"
    count = db.session.scalar(
        select(func.count())
        .select_from(VoteSession)
        .where(VoteSession.notice_no.like(prefix + "%"))
    )
    return f"{prefix}{(count or 0) + 1:03d}"


def publish_session(
    *,
    village: Jurisdiction,
    cases: Iterable[Case],
    body: str,
    body_size: int,
    starts_on: date,
    days: int,
    actor: User,
    now: datetime,
    backdate_reason: str = "",
) -> VoteSession:
    """Publish one list of applicants (公示): every case moves to publicity. A start
    before today needs `backdate_reason` (the procedure's rule), recorded on each case."""
    if not can_manage(actor, village):
        raise PermissionDenied(_("只有本村（社区）集体经济组织可以公示申请人名单"))
    cases = list(cases)
    _check_session(cases, body, body_size, days)
    session = VoteSession(
        notice_no=next_notice_no(village, starts_on),
        jurisdiction=village,
        body=body,
        body_size=body_size,
        publicity_starts_on=starts_on,
        publicity_ends_on=publicity_end(starts_on, days),
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(session)
    db.session.flush()
    for case in cases:
        _publish_case(session, case, days, backdate_reason, actor, now)
    db.session.flush()
    return session


def _check_session(cases: list[Case], body: str, body_size: int, days: int) -> None:
    errors: dict[str, str] = {}
    if not cases:
        errors["cases"] = _("请至少选择一名申请人")
    if body not in set(VotingBody):
        errors["body"] = _("请选择表决机构")
    if body_size < 1:
        errors["body_size"] = _("表决机构总人数应大于0")
    if not 1 <= days <= 60:
        errors["days"] = _("公示期应为1至60天")
    if errors:
        raise SessionError(errors)


def _publish_case(
    session: VoteSession, case: Case, days: int, reason: str, actor: User, now: datetime
) -> None:
    if case.procedure != NAME:
        raise SessionError(
            {str(case.id): _("%(name)s：不是成员身份确认事项", name=case.subject_name)}
        )
    act(
        case_id=case.id,
        action="publish",
        actor=actor,
        seen_version=None,
        data={
            "applied_on": local_date(case.opened_at).isoformat(),
            "publicity_starts_on": session.publicity_starts_on.isoformat(),
            "publicity_days": str(days),
            "notice_no": session.notice_no,
            "backdate_reason": reason,
        },
        now=now,
    )
    session.entries.append(VoteEntry(case_id=case.id))


def _check_tallies(
    session: VoteSession, pending: list[VoteEntry], tallies: Mapping[int, Tallied], voted_on: date
) -> None:
    errors: dict[str, str] = {}
    if early := vote_date_error(voted_on, session.publicity_ends_on):
        errors["voted_on"] = early
    for entry in pending:
        tally = tallies.get(entry.case_id)
        if tally is None:
            errors[str(entry.case_id)] = _("%(name)s：请填写赞成票", name=entry.case.subject_name)
            continue
        try:
            Tally(session.body_size, tally.in_favour, tally.against, tally.abstaining).check()
        except TallyError as e:
            errors[str(entry.case_id)] = f"{entry.case.subject_name}：{e}"
    if errors:
        raise SessionError(errors)


def _record_vote(
    session: VoteSession,
    entry: VoteEntry,
    tally: Tallied,
    voted_on: date,
    actor: User,
    now: datetime,
) -> None:
    try:
        act(
            case_id=entry.case_id,
            action="record_vote",
            actor=actor,
            seen_version=None,
            data={
                "body": session.body,
                "body_size": str(session.body_size),
                "in_favour": str(tally.in_favour),
                "against": str(tally.against),
                "abstaining": str(tally.abstaining),
                "voted_on": voted_on.isoformat(),
            },
            now=now,
        )
    except RuleViolation as e:
        raise SessionError({str(entry.case_id): f"{entry.case.subject_name}：{e}"}) from None
    entry.in_favour, entry.against, entry.abstaining = (
        tally.in_favour,
        tally.against,
        tally.abstaining,
    )
    entry.passed = passes(tally.in_favour, session.body_size)


def record_votes(
    *,
    session: VoteSession,
    tallies: Mapping[int, Tallied],
    voted_on: date,
    actor: User,
    now: datetime,
) -> VoteSession:
    """Record each applicant's tally and result at once; all or nothing.

    Two-thirds of the whole body (`body_size` of the session) decides each applicant.
    """
    if not can_manage(actor, session.jurisdiction):
        raise PermissionDenied(_("只有本村（社区）集体经济组织可以登记表决结果"))
    if session.decided:
        raise SessionError({"": _("该批次已登记表决结果")})
    # Applicants whose objection is still being resolved are voted on individually later.
    pending = [
        e for e in session.entries if e.case.state == "publicity" and open_task(e.case) is not None
    ]
    _check_tallies(session, pending, tallies, voted_on)
    for entry in pending:
        _record_vote(session, entry, tallies[entry.case_id], voted_on, actor, now)
    session.voted_on = voted_on
    session.decided_by_id = actor.id
    session.decided_at = now
    db.session.flush()
    return session
