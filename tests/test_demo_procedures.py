"""The demo county has cases of every procedure in many states, and vote sessions."""

from sqlalchemy import func, select

from transfers.cases.models import Case
from transfers.demo import load_demo
from transfers.engine.verify import verify_chains
from transfers.votes.models import VoteSession
from workflows.registry import PROCEDURES


def test_demo_has_every_procedure_in_several_states(db):
    load_demo(households=80)
    db.session.commit()
    rows = db.session.execute(select(Case.procedure, Case.state).distinct()).all()
    states: dict[str, set[str]] = {}
    for procedure, state in rows:
        states.setdefault(procedure, set()).add(state)
    assert set(states) == set(PROCEDURES)
    for procedure, seen in states.items():
        assert len(seen) >= 3, (procedure, seen)
    assert db.session.scalar(select(func.count()).select_from(VoteSession)) >= 1
    assert verify_chains().problems == []
