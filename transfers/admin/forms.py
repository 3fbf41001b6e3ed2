from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from transfers.forms import ChineseForm, select_choices
from workflows.roles import Role

ROLE_CHOICES = select_choices((r.value, _l(r.label)) for r in Role)


class UserForm(ChineseForm):
    username = StringField(
        _l("用户名"),
        validators=[
            InputRequired(_l("请填写用户名")),
            Length(min=3, max=40),
            Regexp(
                r"^[A-Za-z0-9_.-]+$", message=_l("用户名只能包含字母、数字、下划线、点和短横线")
            ),
        ],
    )
    display_name = StringField(
        _l("姓名/单位"), validators=[InputRequired(_l("请填写姓名")), Length(max=40)]
    )
    password = PasswordField(
        _l("初始密码"),
        validators=[
            InputRequired(_l("请设置初始密码")),
            Length(min=8, max=200, message=_l("密码至少8位")),
        ],
    )
    role = SelectField(_l("角色"), choices=ROLE_CHOICES)
    jurisdiction_code = StringField(
        _l("辖区"),
        validators=[InputRequired(_l("请选择或填写辖区")), Length(max=120)],
        description=_l("名称或区划代码，如 城关镇 或 411221100"),
    )


class EditUserForm(ChineseForm):
    display_name = StringField(
        _l("姓名/单位"), validators=[InputRequired(_l("请填写姓名")), Length(max=40)]
    )
    active = BooleanField(_l("账号启用"))
    new_password = PasswordField(
        _l("重置密码"),
        validators=[Optional(), Length(min=8, max=200, message=_l("密码至少8位"))],
        description=_l("留空则不修改；重置后用户下次登录须先修改密码"),
    )


class GrantForm(ChineseForm):
    role = SelectField(_l("角色"), choices=ROLE_CHOICES)
    jurisdiction_code = StringField(
        _l("辖区"),
        validators=[InputRequired(_l("请选择或填写辖区")), Length(max=120)],
        description=_l("名称或区划代码，如 城关镇 或 411221100"),
    )


class JurisdictionForm(ChineseForm):
    code = StringField(
        _l("区划代码"),
        validators=[
            InputRequired(_l("请填写区划代码")),
            Regexp(r"^\d{2,12}$", message=_l("区划代码应为数字")),
        ],
    )
    name = StringField(_l("名称"), validators=[InputRequired(_l("请填写名称")), Length(max=64)])


class SiteForm(ChineseForm):
    name = StringField(
        _l("安置点名称"), validators=[InputRequired(_l("请填写名称")), Length(max=64)]
    )
    kind = SelectField(
        _l("类型"),
        choices=select_choices([("centralized", _l("集中安置")), ("scattered", _l("分散安置"))]),
    )
    address = StringField(_l("地址"), validators=[InputRequired(_l("请填写地址")), Length(max=200)])


class ImportGrantForm(ChineseForm):
    # The choices (the offices that may get a grant) are set by the page; the domain
    # checks the one posted.
    office = SelectField(_l("用户（岗位）"), validate_choice=False)


class PhoneForm(ChineseForm):
    phone = StringField(
        _l("咨询电话"),
        validators=[Length(max=40, message=_l("电话号码过长"))],
        description=_l("固定电话如 0398-4811025，或11位手机号；留空则不印电话"),
    )
