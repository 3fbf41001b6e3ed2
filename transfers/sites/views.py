"""Resettlement sites: what their residents imply for their organization (docs/policy.md)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import or_, select

from transfers.cases.permissions import grant_paths, within
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction, Site
from transfers.sites.services import is_rural, party_members, site_profile
from workflows.sites import PartyOrganization

bp = Blueprint("sites", __name__, url_prefix="/sites")


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    paths = grant_paths(current_user)
    sites = (
        db.session.scalars(
            select(Site)
            .join(Jurisdiction, Site.jurisdiction_id == Jurisdiction.id)
            .where(or_(*[Jurisdiction.path.startswith(p, autoescape=True) for p in paths]))
            .order_by(Jurisdiction.path, Site.id)
        ).all()
        if paths
        else []
    )
    rows = []
    for s in sites:
        prof = site_profile(s)[0]
        rows.append((s, prof, PartyOrganization(prof.party.value).label))
    return render_template("sites/index.html", rows=rows)


@bp.route("/<int:site_id>")
@login_required
def detail(site_id: int) -> ResponseReturnValue:
    site = db.session.get(Site, site_id)
    if site is None:
        abort(404)
    if not within(current_user, site.jurisdiction.path):
        abort(403)
    prof, origins = site_profile(site)
    return render_template(
        "sites/detail.html",
        site=site,
        profile=prof,
        origins=origins,
        rural=is_rural(site),
        members=party_members(site),
    )
