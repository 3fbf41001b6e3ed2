"""A job's own transaction: committed when the block ends, rolled back when it raises."""

from __future__ import annotations

import pytest

from tests.conftest import NOW
from transfers.observability.models import JobRun
from transfers.transaction import own_transaction


def _run(job: str) -> JobRun:
    return JobRun(
        job=job,
        escalations_total=0,
        runs_total=1,
        failures_total=0,
        finished_at=NOW,
        duration_seconds=0.1,
    )


def test_the_block_is_committed_in_its_own_session(app, db):
    with own_transaction(app):
        db.session.add(_run("kept"))
    db.session.expire_all()  # the test's own session sees what the job committed
    assert db.session.get(JobRun, "kept") is not None


def test_a_failing_block_writes_nothing(app, db):
    with pytest.raises(RuntimeError), own_transaction(app):
        db.session.add(_run("dropped"))
        db.session.flush()
        raise RuntimeError("the job failed")
    assert db.session.get(JobRun, "dropped") is None
