"""Administrator pages for places: enabling a county from the official codes, and the
JSON behind the jurisdiction picker. Nested in the admin blueprint (admins only)."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from transfers.admin.services import admin_paths
from transfers.extensions import db
from transfers.jurisdictions import divisions, lookup
from transfers.jurisdictions.divisions import Division
from transfers.jurisdictions.enabling import EnableRefused, enable_county, may_enable, plan_county
from transfers.jurisdictions.models import Jurisdiction
from transfers.visibility import within_paths
from workflows.roles import Role

bp = Blueprint("places", __name__, url_prefix="/places")


def _overlaps(d: Division, paths: list[str]) -> bool:
    """The division is in the admin's area, or the area is in it."""
    return any(d.path.startswith(p) or p.startswith(d.path) for p in paths)


def _choices(parent: str | None, paths: list[str]) -> list[Division]:
    return [d for d in divisions.children(parent) if _overlaps(d, paths)]


@bp.route("/")
def county() -> ResponseReturnValue:
    """Pick province -> city -> county (or search by name), then preview its places."""
    paths = admin_paths(current_user)
    province = request.args.get("province") or None
    city = request.args.get("city") or None
    code = request.args.get("county") or None
    q = (request.args.get("q") or "").strip()
    found = [d for d in divisions.find_counties(q) if may_enable(paths, d)] if q else []
    plan = None
    if code and (d := divisions.division(code)) is not None and may_enable(paths, d):
        plan = plan_county(code)
        province, city = code[:2], code[:4]
    return render_template(
        "admin/places.html",
        provinces=_choices(None, paths),
        cities=_choices(province, paths) if province else [],
        counties=[d for d in _choices(city, paths) if may_enable(paths, d)] if city else [],
        chosen={"province": province, "city": city, "county": code},
        q=q,
        found=found,
        full_name=divisions.full_name,
        plan=plan,
        form=FlaskForm(),
    )


@bp.route("/enable", methods=["POST"])
def enable() -> ResponseReturnValue:
    code = request.form.get("county", "")
    if not FlaskForm().validate_on_submit():
        flash(_("页面已过期，请重新确认"), "danger")
        return redirect(url_for("admin.places.county", county=code))
    try:
        plan, created = enable_county(code, admin_paths(current_user))
    except EnableRefused as e:
        db.session.rollback()
        flash(str(e), "danger")
        return redirect(url_for("admin.places.county"))
    db.session.commit()
    flash(
        _(
            "已启用%(name)s：新建%(created)s个区划，%(kept)s个已存在未改动",
            name=plan.full_name,
            created=created,
            kept=len(plan.existing),
        ),
        "success",
    )
    j = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == plan.county.code))
    return redirect(url_for("admin.jurisdictions", jurisdiction_id=j.id if j else None))


def _row(j: Jurisdiction) -> dict[str, object]:
    return {"id": j.id, "code": j.code, "name": j.name, "full_name": j.full_name, "level": j.level}


@bp.route("/jurisdictions.json")
def jurisdictions_json() -> ResponseReturnValue:
    """The picker's data: ?q= names containing q; ?parent= a jurisdiction's children
    (none: the admin's own roots). Always within the admin's area."""
    paths = admin_paths(current_user)
    q = (request.args.get("q") or "").strip()
    if q:
        return jsonify([_row(j) for j in lookup.search(q, paths)])
    parent = request.args.get("parent", type=int)
    if parent is None:
        roots = [g.jurisdiction for g in current_user.grants if g.role == Role.ADMIN]
        return jsonify([_row(j) for j in roots])
    children = db.session.scalars(
        select(Jurisdiction)
        .where(Jurisdiction.parent_id == parent, within_paths(Jurisdiction.path, paths))
        .order_by(Jurisdiction.code)
    )
    return jsonify([_row(j) for j in children])
