"""“我的访问令牌”: a user creates and revokes personal API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from transfers.api.models import ApiToken
from transfers.api.tokens import DEFAULT_DAYS, LIFETIMES, create_token, revoke_token
from transfers.db import utcnow
from transfers.extensions import db
from transfers.forms import ChineseForm, select_choices

bp = Blueprint("account", __name__, url_prefix="/account")


class TokenForm(ChineseForm):
    name = StringField(
        _l("令牌用途"),
        validators=[InputRequired(_l("请填写令牌用途，便于日后识别")), Length(max=60)],
        description=_l("例如：乡镇数据对接、台账同步脚本"),
    )
    days = SelectField(
        _l("有效期"),
        choices=select_choices((d, _l("%(days)s天", days=d)) for d in LIFETIMES),
        coerce=int,
        default=DEFAULT_DAYS,
        description=_l("到期后令牌自动失效，需要时请重新创建"),
    )
    scope = SelectField(
        _l("权限"),
        choices=select_choices(
            [("read", _l("只读：只能查询")), ("write", _l("读写：可以查询、受理和办理"))]
        ),
        default="read",
    )


class RevokeForm(FlaskForm):
    pass


def _page(form: TokenForm, secret: str | None = None, status: int = 200) -> ResponseReturnValue:
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return render_template(
        "account/tokens.html",
        form=form,
        tokens=tokens,
        secret=secret,
        revoke_form=RevokeForm(),
        now=utcnow(),
    ), status


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> ResponseReturnValue:
    form = TokenForm()
    if form.validate_on_submit():
        _token, secret = create_token(
            current_user,
            form.name.data or "",
            now=utcnow(),
            days=form.days.data or DEFAULT_DAYS,
            read_only=form.scope.data != "write",
        )
        db.session.commit()
        # Shown once, in this response only; it is stored hashed.
        return _page(TokenForm(formdata=None), secret=secret, status=201)
    return _page(form, status=422 if form.errors else 200)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int) -> ResponseReturnValue:
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    if not RevokeForm().validate_on_submit():
        abort(400)
    revoke_token(token, now=utcnow())
    db.session.commit()
    flash(_("令牌“%(name)s”已吊销，使用它的程序将无法再访问", name=token.name), "info")
    return redirect(url_for("account.tokens"))
