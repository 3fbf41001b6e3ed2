"""Ledger import pages: upload, preview (with the choices it asks for), progress, import.

Thin door: the checks and writes are the domain's (`checking`, `writing`, `choices`,
`jobs`); a page only reads the form, starts a job and shows the batch.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from sqlalchemy import select

from transfers.db import utcnow
from transfers.extensions import db
from transfers.forms import ChineseForm
from transfers.imports import jobs
from transfers.imports.checking import new_batch, quick_check
from transfers.imports.choices import (
    ChoiceError,
    confirm_places,
    create_sites,
    may_create_sites,
)
from transfers.imports.ledger import LedgerFormatError, template_workbook
from transfers.imports.models import ImportBatch, ImportRow
from transfers.imports.reach import can_import, outside_message
from transfers.imports.writing import write_invalid_rows

bp = Blueprint("imports", __name__, url_prefix="/imports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(ChineseForm):
    file = FileField(
        _l("台账文件（.xlsx、.xls 或 .csv）"),
        validators=[
            FileRequired(_l("请选择要导入的台账文件")),
            FileAllowed(
                ["xlsx", "xls", "csv"],
                _l("只支持 .xlsx、.xls 和 .csv 文件：其他格式请在 Excel 或 WPS 中另存为 .xlsx"),
            ),
        ],
    )


class RunForm(FlaskForm):
    pass


def _own_batch(batch_id: int) -> ImportBatch:
    if not can_import(current_user):
        abort(403)
    batch = db.get_or_404(ImportBatch, batch_id)
    if batch.user_id != current_user.id:
        abort(403)
    return batch


def _no_store(body: str) -> ResponseReturnValue:
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"  # names of the rows in error
    return response


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    if not can_import(current_user):
        abort(403)
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        filename = Path(upload.filename or "ledger.xlsx").name
        batch = new_batch(filename, actor=current_user, now=utcnow())
        path = jobs.upload_path(batch)
        upload.save(path)
        try:  # the header and the sheet at once; the rows in the background
            batch.sheet_name = quick_check(path, filename)
        except LedgerFormatError as e:
            path.unlink(missing_ok=True)
            db.session.rollback()
            form.file.errors = [str(e)]
            return _index_page(form), 422
        db.session.commit()
        jobs.start(jobs.check, batch)
        return redirect(url_for("imports.preview", batch_id=batch.id), 303)
    status = 422 if request.method == "POST" else 200
    return _index_page(form), status


def _index_page(form: UploadForm) -> str:
    batches = db.session.scalars(
        select(ImportBatch)
        .where(ImportBatch.user_id == current_user.id)
        .order_by(ImportBatch.id.desc())
        .limit(20)
    ).all()
    return render_template("imports/index.html", form=form, batches=batches)


@bp.route("/template.xlsx")
@login_required
def template() -> ResponseReturnValue:
    return send_file(
        io.BytesIO(template_workbook()),
        mimetype=XLSX,
        as_attachment=True,
        download_name="搬迁户台账导入模板.xlsx",
    )


@bp.route("/<int:batch_id>")
@login_required
def preview(batch_id: int) -> ResponseReturnValue:
    batch = _own_batch(batch_id)
    page = db.paginate(
        select(ImportRow)
        .where(ImportRow.batch_id == batch.id, ImportRow.status == "invalid")
        .order_by(ImportRow.row_no),
        per_page=50,
    )
    return _no_store(
        render_template(
            "imports/preview.html",
            batch=batch,
            page=page,
            form=RunForm(),
            outside=outside_message(batch.outside_rows) if batch.outside_rows else "",
            may_create_sites=may_create_sites(current_user),
        )
    )


@bp.route("/<int:batch_id>/progress")
@login_required
def progress(batch_id: int) -> ResponseReturnValue:
    """What the page polls while a job runs."""
    batch = _own_batch(batch_id)
    return jsonify(
        status=batch.status,
        running=batch.running,
        percent=batch.percent,
        checked=batch.checked_rows,
        processed=batch.processed_households,
        total=batch.total_households,
    )


def _back(batch: ImportBatch) -> ResponseReturnValue:
    return redirect(url_for("imports.preview", batch_id=batch.id), 303)


def _recheck(batch: ImportBatch, sheet: str | None = None) -> ResponseReturnValue:
    jobs.requeue(batch, sheet=sheet)
    db.session.commit()
    jobs.start(jobs.check, batch)
    return _back(batch)


def _settled(batch: ImportBatch) -> bool:
    """A choice may be made on a previewed batch whose file is still there."""
    if not RunForm().validate_on_submit():
        abort(400)
    if batch.status != "previewed" or not jobs.upload_path(batch).exists():
        flash(_("该批次已不能重新校验，请重新上传台账"), "warning")
        return False
    return True


@bp.route("/<int:batch_id>/sheet", methods=["POST"])
@login_required
def sheet(batch_id: int) -> ResponseReturnValue:
    batch = _own_batch(batch_id)
    if not _settled(batch):
        return _back(batch)
    name = request.form.get("sheet", "")
    if name not in batch.sheet_names:
        flash(_("请选择文件中的工作表"), "danger")
        return _back(batch)
    return _recheck(batch, sheet=name)


@bp.route("/<int:batch_id>/places", methods=["POST"])
@login_required
def places(batch_id: int) -> ResponseReturnValue:
    batch = _own_batch(batch_id)
    if not _settled(batch):
        return _back(batch)
    picked: dict[str, int] = {}
    for i, problem in enumerate(batch.place_problems):
        value = request.form.get(f"place-{i}", "")
        if value.isdigit():
            picked[problem["text"]] = int(value)
    try:
        if not picked:
            raise ChoiceError(_("请为地名选择对应的村（社区）"))
        confirm_places(batch, picked)
    except ChoiceError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return _back(batch)
    return _recheck(batch)


@bp.route("/<int:batch_id>/sites", methods=["POST"])
@login_required
def sites(batch_id: int) -> ResponseReturnValue:
    batch = _own_batch(batch_id)
    if not _settled(batch):
        return _back(batch)
    picked = [int(v) for v in request.form.getlist("site") if v.isdigit()]
    try:
        created = create_sites(batch, current_user, picked)
    except ChoiceError as e:
        db.session.rollback()
        flash(str(e), "danger")
        return _back(batch)
    flash(_("已新建%(n)s个安置点，正在重新校验", n=len(created)), "success")
    return _recheck(batch)


@bp.route("/<int:batch_id>/run", methods=["POST"])
@login_required
def run(batch_id: int) -> ResponseReturnValue:
    """Start the import job; the page shows its progress."""
    batch = _own_batch(batch_id)
    if not RunForm().validate_on_submit():
        abort(400)
    if batch.status != "previewed":
        flash(_("该批次正在处理或已导入，请稍后刷新查看"), "warning")
        return _back(batch)
    batch.status = "importing"
    db.session.commit()
    jobs.start(jobs.run_import, batch)
    db.session.refresh(batch)
    if batch.status == "done":
        flash(
            _(
                "导入完成：新建%(households)s户、%(persons)s人",
                households=batch.created_households,
                persons=batch.created_persons,
            ),
            "success",
        )
    return _back(batch)


@bp.route("/<int:batch_id>/abandon", methods=["POST"])
@login_required
def abandon(batch_id: int) -> ResponseReturnValue:
    """Drop the staged rows (and the file) of a batch: not imported, or imported and
    its wrong rows no longer wanted."""
    batch = _own_batch(batch_id)
    if not RunForm().validate_on_submit():
        abort(400)
    if batch.running:
        flash(_("该批次正在处理，请稍后再清除"), "warning")
        return _back(batch)
    jobs.abandon(batch, utcnow())
    db.session.commit()
    flash(_("已清除该批次暂存的台账数据"), "success")
    return redirect(url_for("imports.index"), 303)


@bp.route("/<int:batch_id>/errors.xlsx")
@login_required
def errors(batch_id: int) -> ResponseReturnValue:
    batch = _own_batch(batch_id)
    buf = io.BytesIO()
    write_invalid_rows(batch, buf)
    buf.seek(0)
    stem = Path(batch.filename).stem
    response = send_file(
        buf, mimetype=XLSX, as_attachment=True, download_name=f"{stem}-错误行.xlsx"
    )
    response.headers["Cache-Control"] = "no-store"  # the rows as typed, ID numbers whole
    return response
