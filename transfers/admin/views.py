from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import selectinload

from transfers.admin.accounts_views import bp as accounts_bp
from transfers.admin.forms import EditUserForm, GrantForm, JurisdictionForm, SiteForm, UserForm
from transfers.admin.offices_views import bp as offices_bp
from transfers.admin.places_views import bp as places_bp
from transfers.admin.services import (
    AdminError,
    add_grant,
    add_jurisdiction,
    add_site,
    admin_paths,
    administers,
    create_account,
    remove_grant,
    update_account,
)
from transfers.admin.sites_views import bp as sites_bp
from transfers.admin.web import apply, apply_form
from transfers.auth.models import RoleGrant, User
from transfers.auth.throttle import locked_names
from transfers.db import utcnow
from transfers.extensions import db
from transfers.forms import first_errors
from transfers.jurisdictions.models import Jurisdiction, Site
from transfers.visibility import within_paths
from workflows.roles import Role

bp = Blueprint("admin", __name__, url_prefix="/admin")
bp.register_blueprint(places_bp)
bp.register_blueprint(accounts_bp)
bp.register_blueprint(sites_bp)
bp.register_blueprint(offices_bp)


@bp.before_request
@login_required
def _only_admins() -> None:
    if not current_user.has_role(Role.ADMIN):
        abort(403)


def _in_area(column: Any) -> ColumnElement[bool]:
    return within_paths(column, admin_paths(current_user))


@bp.route("/users")
def users() -> ResponseReturnValue:
    q = (request.args.get("q") or "").strip()
    visible = (
        select(RoleGrant.user_id)
        .join(Jurisdiction, RoleGrant.jurisdiction_id == Jurisdiction.id)
        .where(_in_area(Jurisdiction.path))
    )
    query = select(User).where(User.id.in_(visible)).options(selectinload(User.grants))
    if q:
        query = query.where(
            or_(
                User.username.contains(q, autoescape=True),
                User.display_name.contains(q, autoescape=True),
            )
        )
    page = db.paginate(query.order_by(User.username), per_page=30)
    locked = locked_names(utcnow())
    return render_template("admin/users.html", page=page, q=q, locked=locked)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user() -> ResponseReturnValue:
    form = UserForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            user = create_account(
                current_user,
                form.username.data,
                form.display_name.data,
                form.password.data,
                form.role.data,
                form.jurisdiction_code.data,
            )
            db.session.commit()
            flash(_("已创建用户 %(name)s", name=user.username), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
        except AdminError as e:
            db.session.rollback()
            errors = e.errors
    elif request.method == "POST":
        errors = first_errors(form)
    return render_template("admin/user_new.html", form=form, errors=errors), 422 if errors else 200


def _load_user(user_id: int) -> User:
    user = db.get_or_404(User, user_id)
    if user.grants and not any(administers(current_user, g.jurisdiction) for g in user.grants):
        abort(403)
    return user


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int) -> ResponseReturnValue:
    user = _load_user(user_id)
    form = EditUserForm(obj=user)
    grant_form = GrantForm()
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        try:
            update_account(
                current_user,
                user,
                display_name=form.display_name.data or "",
                active=bool(form.active.data),
                new_password=form.new_password.data or "",
                now=utcnow(),
            )
        except AdminError as e:
            errors = e.errors
            db.session.rollback()
        else:
            db.session.commit()
            if form.new_password.data:
                flash(_("已保存；密码已重置，该用户下次登录须先修改密码"), "success")
            else:
                flash(_("已保存"), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    elif request.method == "POST":
        errors = first_errors(form)
    return render_template(
        "admin/user_edit.html", user=user, form=form, grant_form=grant_form, errors=errors
    ), 422 if errors else 200


@bp.route("/users/<int:user_id>/grants", methods=["POST"])
def grant(user_id: int) -> ResponseReturnValue:
    user = _load_user(user_id)
    form = GrantForm()
    apply_form(
        form,
        lambda: add_grant(current_user, user, form.role.data, form.jurisdiction_code.data),
        _("已授权"),
    )
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/users/<int:user_id>/grants/<int:grant_id>/revoke", methods=["POST"])
def revoke(user_id: int, grant_id: int) -> ResponseReturnValue:
    user = _load_user(user_id)
    apply(lambda: remove_grant(current_user, user, grant_id), _("已撤销授权"))
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/jurisdictions")
@bp.route("/jurisdictions/<int:jurisdiction_id>")
def jurisdictions(jurisdiction_id: int | None = None) -> ResponseReturnValue:
    if jurisdiction_id is None:
        roots = [g.jurisdiction for g in current_user.grants if g.role == Role.ADMIN]
        return redirect(url_for("admin.jurisdictions", jurisdiction_id=roots[0].id))
    node = db.get_or_404(Jurisdiction, jurisdiction_id)
    if not administers(current_user, node):
        abort(403)
    children = db.paginate(
        select(Jurisdiction).where(Jurisdiction.parent_id == node.id).order_by(Jurisdiction.code),
        per_page=50,
    )
    sites = db.session.scalars(select(Site).where(Site.jurisdiction_id == node.id)).all()
    return render_template(
        "admin/jurisdictions.html",
        node=node,
        page=children,
        sites=sites,
        form=JurisdictionForm(),
        site_form=SiteForm(),
    )


@bp.route("/jurisdictions/<int:jurisdiction_id>/children", methods=["POST"])
def add_child(jurisdiction_id: int) -> ResponseReturnValue:
    node = db.get_or_404(Jurisdiction, jurisdiction_id)
    form = JurisdictionForm()
    apply_form(
        form,
        lambda: add_jurisdiction(current_user, node, form.code.data, form.name.data),
        _("已新增下级区划"),
    )
    return redirect(url_for("admin.jurisdictions", jurisdiction_id=node.id))


@bp.route("/jurisdictions/<int:jurisdiction_id>/sites", methods=["POST"])
def new_site(jurisdiction_id: int) -> ResponseReturnValue:
    node = db.get_or_404(Jurisdiction, jurisdiction_id)
    form = SiteForm()
    apply_form(
        form,
        lambda: add_site(current_user, node, form.name.data, form.kind.data, form.address.data),
        _("已新增安置点"),
    )
    return redirect(url_for("admin.jurisdictions", jurisdiction_id=node.id))
