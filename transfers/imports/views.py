"""Ledger import pages for village staff: upload, preview, import with progress."""

from __future__ import annotations

import io
import tempfile
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
from sqlalchemy.exc import IntegrityError

from transfers.cases.permissions import can_register_households
from transfers.db import utcnow
from transfers.extensions import db
from transfers.forms import ChineseMeta
from transfers.imports.ledger import LedgerFormatError, template_workbook
from transfers.imports.models import ImportBatch, ImportRow
from transfers.imports.services import import_step, stage_ledger, write_invalid_rows
from workflows.roles import Role

bp = Blueprint("imports", __name__, url_prefix="/imports")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    file = FileField(
        _l("台账文件（.xlsx 或 .csv）"),
        validators=[
            FileRequired(_l("请选择要导入的台账文件")),
            FileAllowed(["xlsx", "csv"], _l("只支持 .xlsx 和 .csv 文件")),
        ],
    )


class RunForm(FlaskForm):
    pass


def _staff_villages() -> set[int]:
    return {g.jurisdiction_id for g in current_user.grants if g.role == Role.VILLAGE_STAFF}


def _require_staff() -> None:
    if not can_register_households(current_user):
        abort(403)


def _own_batch(batch_id: int) -> ImportBatch:
    _require_staff()
    batch = db.get_or_404(ImportBatch, batch_id)
    if batch.user_id != current_user.id:
        abort(403)
    return batch


@bp.route("/", methods=["GET", "POST"])
@login_required
def index() -> ResponseReturnValue:
    _require_staff()
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        filename = Path(upload.filename or "ledger.xlsx").name
        with tempfile.TemporaryDirectory(prefix="ledger-") as tmp:
            path = Path(tmp) / ("upload" + Path(filename).suffix.lower())
            upload.save(path)
            try:
                batch = stage_ledger(
                    path,
                    filename,
                    actor=current_user,
                    allowed_villages=_staff_villages(),
                    now=utcnow(),
                )
            except LedgerFormatError as e:
                db.session.rollback()
                form.file.errors = [str(e)]
                return _index_page(form), 422
        db.session.commit()
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
    response = make_response(
        render_template("imports/preview.html", batch=batch, page=page, form=RunForm())
    )
    response.headers["Cache-Control"] = "no-store"  # names of the rows in error
    return response


@bp.route("/<int:batch_id>/run", methods=["POST"])
@login_required
def run(batch_id: int) -> ResponseReturnValue:
    """One chunk per request when called by the page's script (it shows the progress bar
    and calls again); the whole batch, chunk by chunk, for a plain form post."""
    batch = _own_batch(batch_id)
    if not RunForm().validate_on_submit():
        abort(400)
    stepwise = request.headers.get("X-Requested-With") == "fetch"
    try:
        while True:
            done = import_step(batch, now=utcnow())
            db.session.commit()
            if done or stepwise:
                break
    except IntegrityError:
        # Another step of this batch (a second tab) got there first; nothing is lost.
        db.session.rollback()
        message = _("该批次正在另一窗口导入，请稍后刷新查看")
        if stepwise:
            return jsonify(error=message), 409
        flash(message, "warning")
        return redirect(url_for("imports.preview", batch_id=batch_id), 303)
    if stepwise:
        return jsonify(
            done=done,
            processed=batch.processed_households,
            total=batch.total_households,
            percent=batch.percent,
        )
    flash(
        _(
            "导入完成：新建%(households)s户、%(persons)s人",
            households=batch.created_households,
            persons=batch.created_persons,
        ),
        "success",
    )
    return redirect(url_for("imports.preview", batch_id=batch.id), 303)


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
