"""Supervisors' pages: overdue dashboard, ledgers with 销号, summaries, 催办单/督办单."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_sqlalchemy.pagination import Pagination

from transfers.db import utcnow
from transfers.deadlines.models import EscalationLevel
from transfers.deadlines.services import work_calendar
from transfers.engine.errors import InvalidAction
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction
from transfers.pagination import clamped_page
from transfers.supervision import ledgers, measures, snapshot
from transfers.supervision.charts import Charts, dashboard_charts
from transfers.supervision.dashboard import Dashboard
from transfers.supervision.dashboard import dashboard as count_dashboard
from transfers.supervision.excel import XLSX_MIMETYPE, workbook
from transfers.supervision.forms import CloseForm, PlanForm
from transfers.supervision.ledger_rows import (
    PROBLEM_HEADERS,
    RECTIFICATION_HEADERS,
    WORK_HEADERS,
    problem_rows,
    work_rows,
)
from transfers.supervision.models import PROBLEM_KINDS, Problem
from transfers.supervision.overdue import (
    OverdueFilter,
    escalations_of,
    overdue_rows,
    tasks_in_order,
)
from transfers.supervision.overdue import (
    notice as make_notice,
)
from transfers.supervision.scope import in_scope, is_supervisor, supervisor_paths
from transfers.supervision.summaries import SUMMARY_COLUMNS, Period, SummaryRow
from transfers.supervision.summaries import summary as count_summary
from workflows.calendar import LOCAL_TZ, deadline_status, local_date
from workflows.registry import PROCEDURES
from workflows.roles import Role

bp = Blueprint("supervision", __name__, url_prefix="/supervision")


@bp.before_request
@login_required
def _supervisors_only() -> None:
    if not is_supervisor(current_user):
        abort(403)


def _today() -> date:
    return local_date(utcnow())


def _node() -> Jurisdiction:
    """The jurisdiction being looked at: ?node=<id> within the user's area, else the first."""
    paths = supervisor_paths(current_user)
    node_id = request.args.get("node", type=int)
    if node_id:
        node = db.get_or_404(Jurisdiction, node_id)
        if not in_scope(node.path, paths):
            abort(403)
        return node
    first: Jurisdiction = next(
        g.jurisdiction for g in current_user.grants if Role(g.role).is_supervisor
    )
    return first


def _breadcrumb(node: Jurisdiction) -> list[Jurisdiction]:
    paths = supervisor_paths(current_user)
    trail: list[Jurisdiction] = []
    j: Jurisdiction | None = node
    while j is not None and in_scope(j.path, paths):
        trail.append(j)
        j = j.parent
    return list(reversed(trail))


def _xlsx(filename: str, sheets: list[tuple[str, str, list[str], list[list[Any]]]]) -> Response:
    """Exported ledgers keep the official Chinese layout whatever the interface language
    (the sheets are built under ``force_locale("zh_CN")`` by the callers)."""
    return send_file(
        workbook(sheets), mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename
    )


# --- dashboard -------------------------------------------------------------------------------
class _ListedPage(Pagination):
    """A page of the overdue list whose tasks the dashboard statement picked (its ids in
    order), paged like ``db.paginate`` (page and per_page from the request)."""

    board: Dashboard

    def _query_items(self) -> list[Any]:
        offset = (self.page - 1) * self.per_page
        self.board = self._query_args["board"](offset, self.per_page)
        return tasks_in_order(self.board.page_ids)

    def _query_count(self) -> int:
        return self.board.total


def _filter(node: Jurisdiction) -> OverdueFilter:
    procedure = request.args.get("procedure", "")
    return OverdueFilter(
        node=node.path,
        procedure=procedure if procedure in PROCEDURES else "",
        level=request.args.get("level", ""),
        bucket=request.args.get("bucket", ""),
        sort=request.args.get("sort", "due"),
    )


def _board(
    f: OverdueFilter, node: Jurisdiction, today: date
) -> tuple[Dashboard, Pagination, Charts, datetime | None]:
    """The figures, the list's page, the charts and when they were counted (None: now)."""
    # A province or city without filters: the scheduler's snapshot (up to a minute old).
    snap = None
    if not (f.procedure or f.level or f.bucket):
        snap = snapshot.load(node, today, utcnow())
    if snap is not None:
        board, charts, as_of = snap
        page: Pagination = db.paginate(
            overdue_rows(current_user, today, f), per_page=20, count=False
        )
    else:
        # The board's statement also picks the list's page.
        listed = _ListedPage(
            per_page=20,
            count=False,
            board=lambda offset, limit: count_dashboard(
                current_user, today, f, node, page=(offset, limit)
            ),
        )
        page, board = listed, listed.board
        charts, as_of = dashboard_charts(node, today), None
    # The same filter as the board: its total is the list's, no second count.
    page.total = board.total
    return board, page, charts, as_of


@bp.route("/")
def dashboard() -> ResponseReturnValue:
    today, node = _today(), _node()
    f = _filter(node)
    board, page, charts, as_of = _board(f, node, today)
    cal = work_calendar()
    given = {
        "node": node.id,
        "procedure": f.procedure,
        "level": f.level,
        "bucket": f.bucket,
        "sort": f.sort,
    }
    return render_template(
        "supervision/dashboard.html",
        board=board,
        page=page,
        node=node,
        trail=_breadcrumb(node),
        f=f,
        args={k: v for k, v in given.items() if v},
        procedures=PROCEDURES,
        buckets=measures.BUCKETS,
        level_labels=measures.LEVEL_LABELS,
        statuses={t.id: deadline_status(t.due_on, today, cal) for t in page.items},
        escalations=escalations_of([t.id for t in page.items]),
        roles=current_user.roles,
        charts=charts,
        as_of=as_of.astimezone(LOCAL_TZ).strftime("%H:%M") if as_of else None,
    )


@bp.route("/notice/<level>/<role>/<int:jurisdiction_id>")
def notice(level: str, role: str, jurisdiction_id: int) -> ResponseReturnValue:
    if level not in ("township", "district") or role not in {r.value for r in Role}:
        abort(404)
    office = db.get_or_404(Jurisdiction, jurisdiction_id)
    n = make_notice(current_user, EscalationLevel(level), role, office, _today())
    cal = work_calendar()
    return render_template(
        "supervision/notice.html",
        n=n,
        statuses={t.id: deadline_status(t.due_on, n.date, cal) for t in n.tasks},
    )


# --- ledgers ---------------------------------------------------------------------------------
@bp.route("/ledgers/work")
def work_ledger() -> ResponseReturnValue:
    """工作台账 of the user's area, or of one jurisdiction in it (?node=<id>)."""
    procedure = request.args.get("procedure", "")
    status = request.args.get("status", "")
    if status not in ledgers.WORK_STATUSES:
        status = ""
    node = _node() if request.args.get("node") else None
    today, cal = _today(), work_calendar()
    q = ledgers.work_ledger_query(
        [node.path] if node else supervisor_paths(current_user),
        today,
        procedure=procedure if procedure in PROCEDURES else "",
        status=status,
    )
    args = {
        k: v
        for k, v in {"node": node and node.id, "procedure": procedure, "status": status}.items()
        if v
    }
    if request.args.get("format") == "xlsx":
        cases = list(db.session.scalars(q).unique())
        with force_locale("zh_CN"):
            rows = [row for row, _light in work_rows(cases, today, cal)]
        return _xlsx(
            "工作台账.xlsx",
            [("工作台账", f"工作台账（{today:%Y-%m-%d}）", WORK_HEADERS, rows)],
        )
    page = clamped_page(q, per_page=30)
    return render_template(
        "supervision/work_ledger.html",
        page=page,
        rows=work_rows(list(page.items), today, cal),
        headers=WORK_HEADERS,
        procedures=PROCEDURES,
        procedure=procedure,
        status=status,
        node=node,
        args=args,
    )


def _problem_ledger(mode: str) -> ResponseReturnValue:
    status = request.args.get("status", "")
    kind = request.args.get("kind", "")
    q = ledgers.problem_query(
        current_user, status=status, kind=kind if kind in PROBLEM_KINDS else ""
    )
    title = "问题台账" if mode == "problems" else "整改台账"
    headers = PROBLEM_HEADERS if mode == "problems" else RECTIFICATION_HEADERS
    if request.args.get("format") == "xlsx":
        problems = list(db.session.scalars(q).unique())
        with force_locale("zh_CN"):
            rows = problem_rows(problems, mode)
        return _xlsx(f"{title}.xlsx", [(title, f"{title}（{_today():%Y-%m-%d}）", headers, rows)])
    page = clamped_page(q, per_page=30)
    return render_template(
        "supervision/problems.html",
        page=page,
        rows=list(zip(page.items, problem_rows(list(page.items), mode), strict=True)),
        headers=headers,
        title=_(title),
        mode=mode,
        status=status,
        kind=kind,
        kinds=PROBLEM_KINDS,
    )


@bp.route("/ledgers/problems")
def problem_ledger() -> ResponseReturnValue:
    return _problem_ledger("problems")


@bp.route("/ledgers/rectification")
def rectification_ledger() -> ResponseReturnValue:
    return _problem_ledger("rectification")


def _saved(p: Problem, message: str) -> ResponseReturnValue:
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("supervision.problem", problem_id=p.id))


@bp.route("/problems/<int:problem_id>", methods=["GET", "POST"])
def problem(problem_id: int) -> ResponseReturnValue:
    p = db.get_or_404(Problem, problem_id)
    if not ledgers.can_manage_problem(current_user, p):
        abort(403)
    plan = PlanForm(obj=p)
    close = CloseForm()
    status = 200
    if request.method == "POST":
        try:  # a refusal is shown on the page with the typed measures kept
            if request.form.get("do") == "close" and close.validate_on_submit():
                ledgers.close_problem(
                    p, actor=current_user, resolution=close.resolution.data or "", now=utcnow()
                )
                return _saved(p, _("问题已销号"))
            if request.form.get("do") == "plan" and plan.validate_on_submit():
                ledgers.plan_rectification(
                    p,
                    actor=current_user,
                    measures=plan.measures.data or "",
                    rectify_by=plan.rectify_by.data,
                    office=plan.office.data or "",
                )
                return _saved(p, _("整改措施已保存"))
        except InvalidAction as e:
            db.session.rollback()
            flash(str(e), "danger")
        status = 422
    return render_template("supervision/problem.html", p=p, plan=plan, close=close), status


# --- summaries -------------------------------------------------------------------------------
@bp.route("/summary")
def summary() -> ResponseReturnValue:
    today = _today()
    kind = request.args.get("kind", "month")
    if kind not in ("month", "quarter"):
        kind = "month"
    current = Period.containing(kind, today)
    year = request.args.get("year", current.year, type=int)
    number = request.args.get("number", current.number, type=int)
    if not 1 <= number <= (12 if kind == "month" else 4) or not 2000 <= year <= 2100:
        abort(404)
    period = Period(kind, year, number)
    node = _node()
    columns = SUMMARY_COLUMNS
    if request.args.get("format") == "xlsx":
        with force_locale("zh_CN"):
            return _summary_xlsx(node, period, today, columns)
    return render_template(
        "supervision/summary.html",
        s=count_summary(node, period, today),
        columns=columns,
        node=node,
        kind=kind,
        trail=_breadcrumb(node),
        years=range(today.year - 2, today.year + 1),
    )


def _summary_xlsx(
    node: Jurisdiction, period: Period, today: date, columns: list[tuple[str, str]]
) -> Response:
    """The summary workbook, called under the Chinese locale (official layout)."""
    s = count_summary(node, period, today)

    def table(rows: list[SummaryRow]) -> list[list[Any]]:
        return [[r.label, *[r.value(k) for k, _label in columns]] for r in rows]

    title = f"{node.full_name}{period.label}办理效能统计"
    return _xlsx(
        f"{period.label}办理效能统计.xlsx",
        [
            (
                "按辖区",
                f"{title}（按辖区）",
                ["辖区", *[c for _k, c in columns]],
                table([*s.by_jurisdiction, s.total]),
            ),
            (
                "按办理单位",
                f"{title}（按办理单位）",
                ["办理单位", *[c for _k, c in columns]],
                table(s.by_office),
            ),
        ],
    )
