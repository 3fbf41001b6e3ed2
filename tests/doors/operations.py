"""The domain's operations and the doors that offer each one, with a driver per door.

A driver performs the operation through its door from one input (a dict made by the
case's setup) and answers a normalised outcome:

- ("accepted", effect): for a write, what it changed (`world.effect` of the summaries
  before and after, computed by `perform`); for a read, what it showed.
- ("refused", reason): the Chinese reason the door shows; several reasons are sorted
  and joined with "；". A refusal by status alone (403, 404: the web shows its generic
  error page there) reads "HTTP 403".

`ROUTES` names, for each operation, the web and API routes (rule, method) its doors
use; tests/doors/test_completeness.py fails when a route of the app is neither in it nor
in `EXCLUDED`.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.conftest import csrf_from, post_form
from tests.doors.world import Outcome, World, effect, page_reasons, problem_reasons, summary
from transfers.households.models import ASSISTANCE_STATUS, SETTLEMENT_MODES
from transfers.households.validation import not_own_village
from transfers.imports.models import ImportBatch, ImportRow
from workflows.registry import PROCEDURES

Driver = Callable[[World, dict[str, Any]], Outcome]


@dataclass(frozen=True)
class Operation:
    name: str
    doors: dict[str, Driver]
    routes: tuple[tuple[str, str], ...] = ()
    writes: bool = True


def http_refusal(status: int) -> Outcome | None:
    return ("refused", f"HTTP {status}") if status in (403, 404) else None


def api_outcome(resp: Any, accepted: Callable[[dict[str, Any]], Any] | None = None) -> Outcome:
    if resp.status_code < 300:
        return ("accepted", accepted(resp.get_json()) if accepted else None)
    assert resp.mimetype == "application/problem+json", resp.get_data(as_text=True)[:500]
    return http_refusal(resp.status_code) or ("refused", problem_reasons(resp.get_json(force=True)))


def followed_reasons(client: Any, resp: Any) -> str:
    """The reasons shown on the page a redirect leads to (flashed messages)."""
    return page_reasons(client.get(resp.headers["Location"]).get_data(as_text=True))


# --- register a household -------------------------------------------------------------
def _members(given: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"name": n, "id_number": i, "relation": r, "assistance": a}
        for n, i, r, a in given["members"]
    ]


def register_by_web(w: World, given: dict[str, Any]) -> Outcome:
    """The registration form as a browser posts it: the members, then blank rows."""
    data: dict[str, Any] = {
        "origin_id": w.geo[given["origin"]].id,
        "destination_id": w.geo[given["destination"]].id,
        "settlement_mode": given["mode"],
        "site_id": 0,
        "lives_at_destination": "y",
    }
    members = _members(given)
    blank = {"name": "", "id_number": "", "relation": "户主", "assistance": "none"}
    for i, m in enumerate(members + [blank] * (6 - len(members))):
        for key, value in m.items():
            data[f"members-{i}-{key}"] = value
        data[f"members-{i}-party_status"] = "none"
        data[f"members-{i}-pension_status"] = "contributing"
        data[f"members-{i}-medical_insurance"] = "resident"
    resp = post_form(w.web(given["actor"]), "/households/new", data)
    if resp.status_code == 302:
        return ("accepted", None)
    assert resp.status_code in (403, 422), resp.status_code
    return http_refusal(resp.status_code) or ("refused", page_reasons(resp.get_data(as_text=True)))


def register_by_api(w: World, given: dict[str, Any]) -> Outcome:
    body = {
        "origin_code": given["origin"],
        "destination_code": given["destination"],
        "settlement_mode": given["mode"],
        "site_id": None,
        "members": _members(given),
    }
    headers = w.api(given["actor"])
    return api_outcome(w.anonymous().post("/api/v1/households", json=body, headers=headers))


def _ledger(given: dict[str, Any]) -> bytes:
    head = ["户编号", "姓名", "身份证号码", "与户主关系", "迁出地区划代码", "迁入地区划代码"]
    lines = [",".join([*head, "安置方式", "安置点", "社会救助"])]
    mode = SETTLEMENT_MODES[given["mode"]]
    for m in _members(given):
        help_ = ASSISTANCE_STATUS[m["assistance"]] if m["assistance"] != "none" else ""
        row = ["1", m["name"], m["id_number"], m["relation"], given["origin"]]
        lines.append(",".join([*row, given["destination"], mode, "", help_]))
    return ("\n".join(lines) + "\n").encode("utf-8-sig")


def _import_outcome(w: World) -> Outcome:
    """The rows' errors; the notice on 户编号 (a family waits whole while one of its rows
    is wrong) is the ledger's own, as only a ledger spreads a household over rows."""
    w.db.session.expire_all()
    rows = w.db.session.scalars(select(ImportRow).where(ImportRow.status == "invalid")).all()
    messages = [e["message"] for r in rows for e in r.errors if e["column"] != "户编号"]
    # Rows bound outside the clerk's reach are one summary on the batch, not row errors:
    # the import's form of the refusal every door gives.
    if w.db.session.scalar(select(func.sum(ImportBatch.outside_rows))):
        messages.append(not_own_village())
    if messages:
        return ("refused", "；".join(sorted(set(messages))))
    return ("accepted", None)


def register_by_import(w: World, given: dict[str, Any]) -> Outcome:
    """The ledger upload (导入台账) of the clerk: preview, then run."""
    client = w.web(given["actor"])
    page = client.get("/imports/")
    if refusal := http_refusal(page.status_code):
        return refusal
    token = csrf_from(page.get_data(as_text=True))
    resp = client.post(
        "/imports/",
        data={"csrf_token": token, "file": (io.BytesIO(_ledger(given)), "台账.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303, resp.get_data(as_text=True)[:1000]
    preview = client.get(resp.headers["Location"]).get_data(as_text=True)
    action = re.search(r'action="(/imports/\d+/run)"', preview)
    if action:
        client.post(action.group(1), data={"csrf_token": csrf_from(preview)})
    return _import_outcome(w)


def register_by_cli(w: World, given: dict[str, Any]) -> Outcome:
    """`flask import-ledger`: the system registers, for every village (no user)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "台账.csv"
        path.write_bytes(_ledger(given))
        result = w.app.test_cli_runner().invoke(args=["import-ledger", str(path)])
    assert result.exit_code in (0, 2), result.output
    return _import_outcome(w)


# --- open an intake (受理) --------------------------------------------------------------
def intake_by_web(w: World, given: dict[str, Any]) -> Outcome:
    client = w.web(given["actor"])
    hid = given["household_id"]
    page = client.get(f"/households/{hid}")
    if refusal := http_refusal(page.status_code):
        return refusal
    resp = client.post(
        f"/households/{hid}/intake",
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "open": f"{given['person_id']}:{given['procedure']}",
        },
    )
    if refusal := http_refusal(resp.status_code):
        return refusal
    assert resp.status_code in (302, 303)  # 303: the domain refused, flashed where it was asked
    if resp.headers["Location"].startswith("/cases/receipts/"):
        return ("accepted", None)
    return ("refused", followed_reasons(client, resp))


def intake_by_api(w: World, given: dict[str, Any]) -> Outcome:
    body = {
        "household_id": given["household_id"],
        "requests": [{"person_id": given["person_id"], "procedure": given["procedure"]}],
    }
    headers = w.api(given["actor"])
    return api_outcome(w.anonymous().post("/api/v1/intakes", json=body, headers=headers))


# --- act on a task ------------------------------------------------------------------------
def act_by_web(w: World, given: dict[str, Any]) -> Outcome:
    """The action's form: GET it (its CSRF token), POST it with the version seen."""
    client = w.web(given["actor"])
    url = f"/cases/{given['case_id']}/act/{given['trigger']}"
    page = client.get(url)
    if refusal := http_refusal(page.status_code):
        return refusal
    data = {"csrf_token": csrf_from(page.get_data(as_text=True)), "version": given["version"]}
    resp = client.post(url, data={**data, **given["data"]})
    if refusal := http_refusal(resp.status_code):
        return refusal
    if resp.status_code == 303:  # done, or not possible now: said on the case page
        landed = client.get(resp.headers["Location"]).get_data(as_text=True)
        return ("accepted", None) if 'id="acted"' in landed else ("refused", page_reasons(landed))
    assert resp.status_code in (409, 422), resp.status_code
    return ("refused", page_reasons(resp.get_data(as_text=True)))


def act_by_api(w: World, given: dict[str, Any]) -> Outcome:
    task = w.open_task(given["case_id"])
    body = {"action": given["trigger"], "version": given["version"], "data": given["data"]}
    headers = w.api(given["actor"])
    return api_outcome(
        w.anonymous().post(f"/api/v1/tasks/{task.id}/act", json=body, headers=headers)
    )


# --- record a vote (表决) of the collective organisation ---------------------------------
def _vote_act(given: dict[str, Any]) -> dict[str, Any]:
    """The same tally as the case's own `record_vote` action."""
    in_favour, against, abstaining = given["tally"]
    data = {
        "body": given["body"],
        "body_size": str(given["body_size"]),
        "in_favour": str(in_favour),
        "against": str(against),
        "abstaining": str(abstaining),
        "voted_on": given["voted_on"],
    }
    return {**given, "trigger": "record_vote", "data": data}


def vote_by_session_form(w: World, given: dict[str, Any]) -> Outcome:
    """The vote session page: every applicant of the published list at once. It names
    the applicant before each reason ("王建国：..."), as the list holds many; the reason
    after the name is compared."""
    client = w.web(given["actor"])
    url = f"/votes/{given['session_id']}"
    page = client.get(url)
    if refusal := http_refusal(page.status_code):
        return refusal
    case_id = given["case_id"]
    in_favour, against, abstaining = given["tally"]
    resp = client.post(
        url,
        data={
            "csrf_token": csrf_from(page.get_data(as_text=True)),
            "voted_on": given["voted_on"],
            f"for-{case_id}": str(in_favour),
            f"against-{case_id}": str(against),
            f"abstain-{case_id}": str(abstaining),
        },
    )
    if resp.status_code == 302:
        return ("accepted", None)
    assert resp.status_code == 422, resp.status_code
    reasons = page_reasons(resp.get_data(as_text=True))
    return ("refused", reasons.removeprefix(f"{given['applicant']}："))


def vote_by_act_form(w: World, given: dict[str, Any]) -> Outcome:
    return act_by_web(w, _vote_act(given))


def vote_by_api(w: World, given: dict[str, Any]) -> Outcome:
    return act_by_api(w, _vote_act(given))


# --- claim and release ------------------------------------------------------------------
def _task_by_web(verb: str) -> Driver:
    def drive(w: World, given: dict[str, Any]) -> Outcome:
        client = w.web(given["actor"])
        page = client.get("/tasks/").get_data(as_text=True)
        resp = client.post(
            f"/tasks/{given['task_id']}/{verb}", data={"csrf_token": csrf_from(page)}
        )
        if refusal := http_refusal(resp.status_code):
            return refusal
        assert resp.status_code in (302, 303)  # 303: refused, the reason flashed on the way back
        reasons = followed_reasons(client, resp)
        return ("refused", reasons) if reasons else ("accepted", None)

    return drive


def _task_by_api(verb: str) -> Driver:
    def drive(w: World, given: dict[str, Any]) -> Outcome:
        url = f"/api/v1/tasks/{given['task_id']}/{verb}"
        return api_outcome(w.anonymous().post(url, headers=w.api(given["actor"])))

    return drive


# --- public status lookup (查询) --------------------------------------------------------
_ROW = re.compile(
    r"<span data-procedure>(.*?)</span>.*?<span data-member>(.*?)</span>.*?"
    r"<span data-step>(.*?)</span>",
    re.S,
)


def lookup_by_web(w: World, given: dict[str, Any]) -> Outcome:
    resp = post_form(w.anonymous(), "/query/", dict(given))
    page = resp.get_data(as_text=True)
    if "办理进度" in page:
        return ("accepted", [tuple(cell.strip() for cell in row) for row in _ROW.findall(page)])
    return ("refused", page_reasons(page))


def lookup_by_api(w: World, given: dict[str, Any]) -> Outcome:
    resp = w.anonymous().get("/api/v1/public/status", query_string=given)
    if resp.status_code == 404:  # no match: a refusal with its reason, not a missing route
        return ("refused", problem_reasons(resp.get_json(force=True)))
    return api_outcome(
        resp,
        lambda body: [
            (r["procedure"], r["member"], r["step"] + ("（已办结）" if r["closed"] else ""))
            for r in body["items"]
        ],
    )


# --- what a user sees: the list, its export and the API ---------------------------------
_MASKED = re.compile(r'<td data-label="[^"]*" class="text-nowrap">([^<]*\*[^<]*)</td>')


def list_by_web(w: World, given: dict[str, Any]) -> Outcome:
    page = w.web(given["actor"]).get("/households/")
    if refusal := http_refusal(page.status_code):
        return refusal
    return ("accepted", sorted(_MASKED.findall(page.get_data(as_text=True))))


def list_by_export(w: World, given: dict[str, Any]) -> Outcome:
    resp = w.web(given["actor"]).get("/exports/households.csv")
    if refusal := http_refusal(resp.status_code):
        return refusal
    assert resp.status_code == 200, resp.status_code
    rows = csv.DictReader(io.StringIO(resp.get_data().decode("utf-8-sig")))
    # The export is in the import's layout, one row per person: the heads name households.
    return ("accepted", sorted(row["身份证号码"] for row in rows if row["与户主关系"] == "户主"))


def list_by_api(w: World, given: dict[str, Any]) -> Outcome:
    resp = w.anonymous().get("/api/v1/households?per_page=100", headers=w.api(given["actor"]))
    return api_outcome(
        resp,
        lambda body: sorted(
            next(m["id_number_masked"] for m in h["members"] if m["relation"] == "户主")
            for h in body["items"]
        ),
    )


# --- my queue (待办): the page, its export and the API ------------------------------------
_QUEUE_ROW = re.compile(
    r"<tr[^>]*>\s*<td[^>]*>\d+</td>\s*<td[^>]*>(.*?)</td>\s*<td[^>]*>(.*?)</td>", re.S
)


def queue_by_web(w: World, given: dict[str, Any]) -> Outcome:
    page = w.web(given["actor"]).get("/tasks/")
    assert page.status_code == 200, page.status_code
    rows = _QUEUE_ROW.findall(page.get_data(as_text=True))
    return ("accepted", sorted((p.strip(), s.strip()) for p, s in rows))


def queue_by_export(w: World, given: dict[str, Any]) -> Outcome:
    resp = w.web(given["actor"]).get("/exports/tasks.csv")
    assert resp.status_code == 200, resp.status_code
    rows = csv.DictReader(io.StringIO(resp.get_data().decode("utf-8-sig")))
    return ("accepted", sorted((row["事项"], row["当前环节"]) for row in rows))


def queue_by_api(w: World, given: dict[str, Any]) -> Outcome:
    resp = w.anonymous().get("/api/v1/tasks?per_page=100", headers=w.api(given["actor"]))
    return api_outcome(
        resp,
        lambda body: sorted(
            (str(PROCEDURES[t["procedure"]].label), t["state_label"]) for t in body["items"]
        ),
    )


def perform(op: Operation, door: str, w: World, given: dict[str, Any]) -> Outcome:
    """Run one door; a write's effect is the change of the database summary."""
    before = summary(w.db)
    kind, shown = op.doors[door](w, given)
    changed = effect(before, summary(w.db))
    if kind == "refused":
        return (kind, shown) if not changed else ("refused but wrote", changed)
    return (kind, changed if op.writes else shown)


OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation(
            "register_household",
            {
                "web": register_by_web,
                "api": register_by_api,
                "import": register_by_import,
                "cli": register_by_cli,
            },
            routes=(
                ("/households/new", "POST"),
                ("/api/v1/households", "POST"),
                ("/imports/", "POST"),
                ("/imports/<int:batch_id>/run", "POST"),
            ),
        ),
        Operation(
            "open_intake",
            {"web": intake_by_web, "api": intake_by_api},
            routes=(("/households/<int:household_id>/intake", "POST"), ("/api/v1/intakes", "POST")),
        ),
        Operation(
            "act",
            {"web": act_by_web, "api": act_by_api},
            routes=(
                ("/cases/<int:case_id>/act/<trigger>", "POST"),
                ("/api/v1/tasks/<int(max=2147483647):task_id>/act", "POST"),
            ),
        ),
        Operation(
            "record_vote",
            {
                "session_form": vote_by_session_form,
                "act_form": vote_by_act_form,
                "api": vote_by_api,
            },
            routes=(("/votes/<int:session_id>", "POST"),),
        ),
        Operation(
            "claim",
            {"web": _task_by_web("claim"), "api": _task_by_api("claim")},
            routes=(
                ("/tasks/<int:task_id>/claim", "POST"),
                ("/api/v1/tasks/<int(max=2147483647):task_id>/claim", "POST"),
            ),
        ),
        Operation(
            "release",
            {"web": _task_by_web("release"), "api": _task_by_api("release")},
            routes=(
                ("/tasks/<int:task_id>/release", "POST"),
                ("/api/v1/tasks/<int(max=2147483647):task_id>/release", "POST"),
            ),
        ),
        Operation(
            "public_status",
            {"web": lookup_by_web, "api": lookup_by_api},
            routes=(("/query/", "POST"), ("/api/v1/public/status", "GET")),
            writes=False,
        ),
        Operation(
            "visible_households",
            {"web": list_by_web, "export": list_by_export, "api": list_by_api},
            routes=(("/api/v1/households", "GET"),),
            writes=False,
        ),
        Operation(
            "my_queue",
            {"web": queue_by_web, "export": queue_by_export, "api": queue_by_api},
            routes=(("/api/v1/tasks", "GET"),),
            writes=False,
        ),
    )
}


# Routes that are no door of a tabled operation, each with the reason and where they are
# tested instead. A route of the app in neither this list nor `ROUTES` fails the suite.
EXCLUDED: dict[tuple[str, str], str] = {
    # Sessions, the language and the user's own API credentials: no domain operation.
    ("/login", "POST"): "signing in (tests/security/test_auth_hardening.py)",
    ("/logout", "POST"): "signing out",
    ("/language", "POST"): "the interface language (tests/test_i18n.py)",
    ("/account/tokens", "POST"): "creating one's API token (tests/test_api.py)",
    ("/account/tokens/<int:token_id>/revoke", "POST"): "revoking one's API token",
    ("/api/v1/me", "GET"): "the token's own user and grants (tests/test_api.py)",
    # The API's own documentation and reference data open to every token.
    ("/api/v1/openapi.json", "GET"): "the OpenAPI document (tests/test_api_docs.py)",
    ("/api/v1/docs", "GET"): "the API reference page (tests/test_api_docs.py)",
    ("/api/v1/jurisdictions", "GET"): "division codes, the same for every user",
    # Reads of one record or of a queue: their web counterparts are pages, and who may
    # read what is the permission table's (tests/test_access_matrix.py, tests/test_api.py).
    ("/api/v1/households/<int(max=2147483647):household_id>", "GET"): "one household",
    ("/api/v1/persons", "GET"): "persons by ID number or name",
    ("/api/v1/persons/<int(max=2147483647):person_id>", "GET"): "one person",
    ("/api/v1/cases", "GET"): "the cases list",
    ("/api/v1/cases/<int(max=2147483647):case_id>", "GET"): "one case with its actions",
    ("/api/v1/overdue", "GET"): "overdue supervision (tests/supervision/)",
    # Administration: web only, administrators only (tests/test_admin.py, tests/deadlines/).
    ("/admin/users/new", "POST"): "administration",
    ("/admin/users/<int:user_id>", "POST"): "administration",
    ("/admin/users/<int:user_id>/grants", "POST"): "administration",
    ("/admin/users/<int:user_id>/grants/<int:grant_id>/revoke", "POST"): "administration",
    ("/admin/jurisdictions/<int:jurisdiction_id>/children", "POST"): "administration",
    ("/admin/jurisdictions/<int:jurisdiction_id>/sites", "POST"): "administration",
    ("/admin/calendar", "POST"): "the work calendar (tests/deadlines/)",
    ("/admin/calendar/<int:override_id>/delete", "POST"): "the work calendar",
    ("/admin/calendar/remove", "POST"): "the work calendar: a range (tests/deadlines/)",
    ("/admin/limits", "POST"): "time limits (tests/deadlines/)",
    ("/admin/limits/<int:limit_id>/delete", "POST"): "time limits",
    # Onboarding a county: the page and `flask places` / `flask accounts` call one service
    # each; both doors are run on the same inputs in tests/test_places.py,
    # tests/test_admin_places.py and tests/test_bulk_accounts.py.
    ("/admin/places/enable", "POST"): "enabling a county from the official codes",
    ("/admin/accounts/bulk", "POST"): "accounts in bulk: the preview (creates nothing)",
    ("/admin/accounts/bulk/confirm", "POST"): "accounts in bulk: creating them",
    ("/admin/sites/import", "POST"): "安置点 from a sheet: the preview (tests/test_sites_sheet.py)",
    ("/admin/sites/import/confirm", "POST"): "安置点 from a sheet: creating them",
    # Import grants: the page and `flask grant-import` call the same functions of
    # transfers/imports/grants.py (tests/test_admin_offices.py runs both doors).
    ("/admin/offices/import-grants", "POST"): "an import grant given",
    ("/admin/offices/import-grants/<int:grant_id>/revoke", "POST"): "an import grant revoked",
    ("/admin/offices/phones/<int:jurisdiction_id>", "POST"): "an office's phone (web only)",
    ("/password", "POST"): "changing a printed or reset password (tests/test_bulk_accounts.py)",
    # Operations with one door only (the web): nothing to compare yet. A second door for
    # one of them belongs in OPERATIONS.
    ("/cases/<int:case_id>/documents", "POST"): "uploading a document (tests/test_web.py)",
    ("/households/<int:household_id>/correct", "POST"): (
        "更正登记, one service for the form and the API (tests/households/test_correction.py)"
    ),
    ("/api/v1/households/<int(max=2147483647):household_id>/corrections", "POST"): (
        "更正登记 (tests/households/test_correction.py)"
    ),
    ("/households/<int:household_id>/id-number", "POST"): (
        "revealing a full ID number with a purpose (tests/security/test_personal_data.py)"
    ),
    ("/exports/<kind>.<fmt>", "POST"): (
        "an export with full ID numbers, asked with a purpose (tests/test_exports.py); the "
        "masked export is a door of visible_households"
    ),
    ("/family/<int:household_id>/<key>", "POST"): (
        "a family's waiting steps in one form: each case through the act door's act() "
        "(tests/test_family_actions.py)"
    ),
    ("/inbox/<int:notification_id>/open", "POST"): "notifications (tests/test_web.py)",
    ("/inbox/mail", "POST"): "notifications",
    ("/inbox/read-all", "POST"): "notifications",
    ("/missing-items/<int:item_id>/receive", "POST"): "missing items (tests/deadlines/)",
    ("/suspensions/<int:suspension_id>/resume", "POST"): "suspensions (tests/deadlines/)",
    ("/tasks/<int:task_id>/suspend", "POST"): "suspensions (tests/deadlines/)",
    ("/supervision/problems/<int:problem_id>", "POST"): "supervision (tests/supervision/)",
    ("/votes/new/<int:village_id>", "POST"): (
        "publishing a list of applicants (tests/test_web_procedures.py); the API reaches "
        "one case's `publish` through the act door"
    ),
    # The ledger preview's own choices, web only (tests/imports/): they re-check a staged
    # file; the households are written by the run door of register_household.
    ("/imports/<int:batch_id>/sheet", "POST"): "another sheet of the ledger",
    ("/imports/<int:batch_id>/places", "POST"): "place names confirmed for the whole file",
    ("/imports/<int:batch_id>/sites", "POST"): "安置点 created from the ledger (administrators)",
    ("/imports/<int:batch_id>/abandon", "POST"): "dropping a batch's staged rows",
}
