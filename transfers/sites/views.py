"""Resettlement sites: what their residents imply for their organization (docs/policy.md)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required
from sqlalchemy import select

from transfers.cases.permissions import within
from transfers.extensions import db
from transfers.jurisdictions.models import Jurisdiction, Site
from transfers.sites.services import is_rural, party_members, site_profile
from transfers.visibility import user_paths, within_paths
from workflows.sites import PartyOrganization

bp = Blueprint("sites", __name__, url_prefix="/sites")


@bp.route("/")
@login_required
def index() -> ResponseReturnValue:
    sites = db.session.scalars(
        select(Site)
        .join(Jurisdiction, Site.jurisdiction_id == Jurisdiction.id)
        .where(within_paths(Jurisdiction.path, user_paths(current_user)))
        .order_by(Jurisdiction.path, Site.id)
    ).all()
    rows = []
    for s in sites:
        prof = site_profile(s)[0]
        rows.append((s, prof, PartyOrganization(prof.party.value).label))
    return render_template("sites/index.html", rows=rows)


@bp.route("/<int:site_id>")
@login_required
def detail(site_id: int) -> ResponseReturnValue:
    site = db.get_or_404(Site, site_id)
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
