"""A worker process for the crash tests: runs one step (act) or one multi-case list
operation (open_intake for several members) and, when told to, stops inside the
transaction after its writes reached the database, to be killed with SIGKILL there.

    python -m tests.security.crash_worker act CASE_ID USER_ID [PAUSE_AT MARKER]
    python -m tests.security.crash_worker intake HOUSEHOLD_ID USER_ID [PAUSE_AT MARKER]
    python -m tests.security.crash_worker vote SESSION_ID USER_ID [PAUSE_AT MARKER]
    python -m tests.security.crash_worker import BATCH_ID USER_ID [commit MARKER]
    python -m tests.security.crash_worker sweep DAYS_AFTER_NOW USER_ID [commit MARKER]

PAUSE_AT: append_event | open_task | commit | open_case:N (after the N-th case).
The pause is monkeypatched in from here; the application has no test hooks.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

SUBMIT = {"option": "site_address", "building": "3", "unit": "2", "door": "501"}
NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def _pause(marker: Path) -> None:
    from transfers.extensions import db

    db.session.flush()  # the writes so far are in the database, uncommitted
    marker.write_text("paused")
    while True:
        time.sleep(1)


def _install_pause(pause_at: str, marker: Path) -> None:
    from transfers.cases import services as case_services
    from transfers.engine import writing
    from transfers.extensions import db

    if pause_at in ("append_event", "open_task"):
        # After a transition's case row and events, or after its task swap.
        name = "_write_versioned" if pause_at == "append_event" else "_write_person_and_tasks"
        original = getattr(writing, name)

        def paused(*args, **kwargs):  # type: ignore[no-untyped-def]
            result = original(*args, **kwargs)
            _pause(marker)
            return result

        setattr(writing, name, paused)
    elif pause_at == "commit":
        original_commit = db.session.commit

        def paused_commit():  # type: ignore[no-untyped-def]
            _pause(marker)
            original_commit()

        db.session.commit = paused_commit
    elif pause_at.startswith("open_case:"):
        after = int(pause_at.split(":")[1])
        original_open = case_services.open_case
        calls = {"n": 0}

        def paused_open(**kwargs):  # type: ignore[no-untyped-def]
            case = original_open(**kwargs)
            calls["n"] += 1
            if calls["n"] == after:
                _pause(marker)
            return case

        case_services.open_case = paused_open
    else:
        raise SystemExit(f"unknown pause point {pause_at}")


def main(argv: list[str]) -> int:
    mode, object_id, user_id = argv[0], int(argv[1]), int(argv[2])
    from transfers import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "crash-worker", "AUDIT_KEY": "test-audit-key"})
    with app.app_context():
        from transfers.auth.models import User
        from transfers.cases.services import open_intake
        from transfers.engine import act
        from transfers.extensions import db
        from transfers.households.models import Household

        if len(argv) > 3:
            _install_pause(argv[3], Path(argv[4]))
        actor = db.session.get(User, user_id)
        if mode == "act":
            act(
                case_id=object_id,
                action="submit",
                actor=actor,
                seen_version=None,
                data=SUBMIT,
                now=NOW,
            )
        elif mode == "intake":
            household = db.session.get(Household, object_id)
            open_intake(
                household=household,
                requests=[(p, "hukou") for p in household.members],
                actor=actor,
                now=NOW,
            )
        elif mode == "vote":
            from datetime import date, timedelta

            from transfers.votes.models import VoteSession
            from transfers.votes.services import Tallied, record_votes

            session = db.session.get(VoteSession, object_id)
            record_votes(
                session=session,
                tallies={e.case_id: Tallied(2) for e in session.entries},
                voted_on=date(2026, 11, 12),
                actor=actor,
                now=NOW + timedelta(days=10),
            )
        elif mode == "import":
            from transfers.imports.models import ImportBatch
            from transfers.imports.services import import_step

            batch = db.session.get(ImportBatch, object_id)
            while not import_step(batch, now=NOW, households=1):
                db.session.commit()
        elif mode == "sweep":
            # object_id: days after NOW to sweep at (everything due by then escalates)
            from datetime import timedelta

            from transfers.deadlines.sweep import EscalationPolicy, sweep

            sweep(NOW + timedelta(days=object_id), EscalationPolicy.from_config(app.config))
        else:
            raise SystemExit(f"unknown mode {mode}")
        db.session.commit()
    print("done")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
