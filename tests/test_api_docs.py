"""docs/api.md is executable: its bash blocks, run in order with real curl against a
live server, drive a hukou case from intake to completion."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from sqlalchemy import select

from tests.browser.conftest import live_server  # noqa: F401 - fixture
from transfers.api.tokens import create_token
from transfers.cases.models import Case
from transfers.db import utcnow
from workflows.roles import Role

DOC = Path(__file__).resolve().parent.parent / "docs" / "api.md"


def bash_blocks(text: str) -> list[str]:
    return re.findall(r"```bash\n(.*?)```", text, flags=re.S)


def test_the_curl_examples_in_docs_api_md_work(live_server, make_user, geo, db, tmp_path):  # noqa: F811
    staff = make_user(Role.VILLAGE_STAFF, "411221100201")
    police = make_user(Role.POLICE_STATION, "411221100")
    _, staff_token = create_token(staff, "docs", now=utcnow())
    _, police_token = create_token(police, "docs", now=utcnow())
    db.session.commit()
    blocks = bash_blocks(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    script = "set -euo pipefail\n" + "\n".join(blocks)
    env = {
        **os.environ,
        "BASE": live_server,
        "STAFF_TOKEN": staff_token,
        "POLICE_TOKEN": police_token,
    }
    result = subprocess.run(
        ["bash", "-c", script],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "等待派出所审核办理" in out or "派出所审核办理" in out
    assert "acting again with an old version: 409" in out
    assert "422 陈志强不能受理党组织关系转接：非中共党员" in out
    assert "已落户" in out and "completed" in out
    db.session.expire_all()
    case = db.session.scalars(select(Case)).one()
    assert case.state == "completed"
    assert '"closed":true' in out
