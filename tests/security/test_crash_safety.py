"""SIGKILL in the middle of a step and of a multi-case intake leaves no half-written
case, task or event; the work can simply be run again. Double submits do nothing twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import NOW, csrf_from, login
from tests.security.figures import report
from transfers.cases.models import Case, Event, Intake
from transfers.cases.services import open_intake
from transfers.engine.errors import DuplicateCase
from transfers.engine.verify import verify_chains
from transfers.tasks.models import Task
from workflows.roles import Role

ROOT = Path(__file__).resolve().parents[2]
KILLS = {"n": 0}


def counts(db):  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Intake, Case, Task, Event)
    }


def run_worker(*args: object, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.security.crash_worker", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def kill_inside_transaction(tmp_path: Path, *args: object) -> None:
    """Start the worker with a pause point, wait until it sits inside its transaction
    with its writes sent, then SIGKILL it."""
    marker = tmp_path / f"paused-{KILLS['n']}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.security.crash_worker", *map(str, args), marker],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"worker ended before its pause point: {out}{err}")
        assert time.monotonic() < deadline, "worker never reached its pause point"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    KILLS["n"] += 1


@pytest.fixture()
def staff_and_household(db, make_user, make_household):  # type: ignore[no-untyped-def]
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    return staff, make_household(members=4)


def test_sigkill_during_a_step_writes_nothing_and_the_step_reruns(
    db, staff_and_household, tmp_path
):
    staff, hh = staff_and_household
    case = open_intake(
        household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW
    ).cases[0]
    db.session.commit()
    case_id, version = case.id, case.version
    before = counts(db)
    for pause_at in ("append_event", "open_task", "commit"):
        kill_inside_transaction(tmp_path, "act", case_id, staff.id, pause_at)
        assert counts(db) == before, pause_at
        c = db.session.get(Case, case_id)
        assert (c.state, c.version) == ("application", version)
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Task)
                .where(Task.case_id == case_id, Task.closed_at.is_(None))
            )
            == 1
        )
        assert verify_chains().problems == []
    result = run_worker("act", case_id, staff.id)
    assert result.returncode == 0, result.stderr
    after = counts(db)
    assert after["Event"] == before["Event"] + 1 and after["Task"] == before["Task"] + 1
    assert db.session.get(Case, case_id).state == "police_review"
    assert verify_chains().problems == []
    report("[crash] step: SIGKILLs survived 3 (after event, after next task, at commit)")


def test_sigkill_during_a_multi_case_intake_writes_nothing_and_reruns(
    db, staff_and_household, tmp_path
):
    staff, hh = staff_and_household
    before = counts(db)
    for pause_at in ("open_case:1", "open_case:3", "commit"):
        kill_inside_transaction(tmp_path, "intake", hh.id, staff.id, pause_at)
        assert counts(db) == before, pause_at
        assert verify_chains().problems == []
    result = run_worker("intake", hh.id, staff.id)
    assert result.returncode == 0, result.stderr
    after = counts(db)
    assert after == {"Intake": 1, "Case": 4, "Task": 4, "Event": 4}
    assert verify_chains().problems == []
    # running it again is refused as a duplicate, not done twice
    result = run_worker("intake", hh.id, staff.id)
    assert result.returncode != 0 and "DuplicateCase" in result.stderr
    assert counts(db) == after
    report("[crash] intake of 4 members: SIGKILLs survived 3 (after case 1, case 3, commit)")


def test_double_submitted_action_form_acts_once(app, db, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household()
    case = open_intake(
        household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW
    ).cases[0]
    db.session.commit()
    client = app.test_client()
    login(client, staff)
    page = client.get(f"/cases/{case.id}/act/submit").get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "version": str(case.version),
        "option": "site_address",
        "building": "3",
        "unit": "2",
        "door": "501",
    }
    first = client.post(f"/cases/{case.id}/act/submit", data=form)
    second = client.post(f"/cases/{case.id}/act/submit", data=form)  # double click / refresh
    assert first.status_code == 303
    assert second.status_code == 409 and "已由他人办理或更新" in second.get_data(as_text=True)
    transitions = db.session.scalars(
        select(Event).where(Event.case_id == case.id, Event.kind == "transition")
    ).all()
    assert len(transitions) == 1


def test_double_submitted_intake_form_opens_once(app, db, make_user, make_household):
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    hh = make_household(members=3)
    client = app.test_client()
    login(client, staff)
    page = client.get(f"/households/{hh.id}").get_data(as_text=True)
    keys = [f"{p.id}:hukou" for p in hh.members]
    form = {"csrf_token": csrf_from(page), "open": keys}
    first = client.post(f"/households/{hh.id}/intake", data=form)
    second = client.post(f"/households/{hh.id}/intake", data=form)
    assert first.status_code == 302 and "/receipts/" in first.headers["Location"]
    assert second.status_code == 303 and "/receipts/" not in second.headers["Location"]
    c = counts(db)
    assert (c["Intake"], c["Case"], c["Event"]) == (1, 3, 3)


def test_refused_intake_leaves_no_receipt_behind(db, staff_and_household):
    """A case refused inside an intake rolls back the intake's receipt too (on SQLite the
    receipt's SAVEPOINT must not be the outermost transaction, or RELEASE commits it)."""
    staff, hh = staff_and_household
    open_intake(household=hh, requests=[(hh.members[0], "hukou")], actor=staff, now=NOW)
    db.session.commit()
    before = counts(db)
    with pytest.raises(DuplicateCase):
        open_intake(
            household=hh,
            requests=[(hh.members[1], "hukou"), (hh.members[0], "hukou")],
            actor=staff,
            now=NOW,
        )
    db.session.rollback()
    assert counts(db) == before


def test_sigkill_during_a_sweep_loses_and_doubles_no_escalation(db, staff_and_household, tmp_path):
    """Killed at commit, a sweep leaves no escalation; run again it escalates each task
    once; a third run adds nothing."""
    from transfers.deadlines.models import Escalation

    staff, hh = staff_and_household
    open_intake(household=hh, requests=[(p, "hukou") for p in hh.members], actor=staff, now=NOW)
    db.session.commit()

    def escalations() -> int:
        db.session.expire_all()
        return db.session.scalar(select(func.count()).select_from(Escalation))

    before = counts(db)
    # 40 days later every task is past its limit and past the 督办 period
    kill_inside_transaction(tmp_path, "sweep", 40, staff.id, "commit")
    assert escalations() == 0 and counts(db) == before
    result = run_worker("sweep", 40, staff.id)
    assert result.returncode == 0, result.stderr
    first = escalations()
    assert first >= len(hh.members)  # at least one level for each open task
    result = run_worker("sweep", 40, staff.id)
    assert result.returncode == 0, result.stderr
    assert escalations() == first
    assert verify_chains().problems == []
    report(f"[crash] sweep: SIGKILL at commit survived; {first} escalations once, rerun adds 0")


def test_sigkill_during_a_vote_session_decides_nobody_and_reruns(
    db, make_user, make_household, geo, tmp_path
):
    """A list action killed after its first applicant's event, or at commit, leaves every
    applicant undecided; run again it decides them all, once."""
    from datetime import date

    from transfers.votes.services import applicants_waiting, publish_session

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    org = make_user(Role.COLLECTIVE_ORG, "411221100201")
    hh = make_household(members=3)
    open_intake(
        household=hh,
        requests=[(p, "collective_membership") for p in hh.members],
        actor=staff,
        now=NOW,
    )
    db.session.commit()
    village = geo["411221100201"]
    session = publish_session(
        village=village,
        cases=applicants_waiting(village),
        body="general_assembly",
        body_size=3,
        starts_on=date(2026, 11, 2),
        days=7,
        actor=org,
        now=NOW,
    )
    db.session.commit()
    case_ids = [e.case_id for e in session.entries]
    states = lambda: [db.session.get(Case, cid).state for cid in case_ids]  # noqa: E731
    before, before_states = counts(db), states()
    for pause_at in ("append_event", "commit"):
        kill_inside_transaction(tmp_path, "vote", session.id, org.id, pause_at)
        assert counts(db) == before and states() == before_states, pause_at
        assert verify_chains().problems == []
    result = run_worker("vote", session.id, org.id)
    assert result.returncode == 0, result.stderr
    db.session.expire_all()
    assert states() == ["confirmed"] * 3
    assert run_worker("vote", session.id, org.id).returncode != 0  # decided once only
    assert verify_chains().problems == []
    report("[crash] vote session: SIGKILLs survived 2 (after the first applicant, at commit)")


def test_sigkill_during_a_ledger_import_then_rerun_creates_each_person_once(
    db, make_user, geo, tmp_path
):
    """Killed at its first commit, an import writes no household; run again it imports
    every valid household once; a further run creates nothing."""
    from sqlalchemy import select as _select

    from tests.test_imports import ledger_xlsx
    from transfers.households.models import Household, Person
    from transfers.imports.services import stage_ledger

    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    path = tmp_path / "ledger.xlsx"
    path.write_bytes(ledger_xlsx())
    batch = stage_ledger(path, "ledger.xlsx", actor=staff, now=NOW)
    db.session.commit()

    def people() -> tuple[int, int]:
        db.session.expire_all()
        return (
            db.session.scalar(_select(func.count()).select_from(Household)),
            db.session.scalar(_select(func.count()).select_from(Person)),
        )

    assert people() == (0, 0)
    kill_inside_transaction(tmp_path, "import", batch.id, staff.id, "commit")
    assert people() == (0, 0)
    assert run_worker("import", batch.id, staff.id).returncode == 0
    imported = people()
    assert imported[1] > 0
    assert run_worker("import", batch.id, staff.id).returncode == 0
    assert people() == imported
    report(
        f"[crash] ledger import: SIGKILL at commit survived; {imported[1]} persons imported once"
    )
