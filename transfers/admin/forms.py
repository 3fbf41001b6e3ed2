from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional, Regexp

from transfers.forms import ChineseMeta, select_choices
from workflows.roles import Role

ROLE_CHOICES = select_choices((r.value, r.label) for r in Role)


class UserForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    username = StringField(
        "用户名",
        validators=[
            InputRequired("请填写用户名"),
            Length(min=3, max=40),
            Regexp(r"^[A-Za-z0-9_.-]+$", message="用户名只能包含字母、数字、下划线、点和短横线"),
        ],
    )
    display_name = StringField("姓名/单位", validators=[InputRequired("请填写姓名"), Length(max=40)])
    password = PasswordField("初始密码", validators=[InputRequired("请设置初始密码"), Length(min=8, max=200, message="密码至少8位")])
    role = SelectField("角色", choices=ROLE_CHOICES)
    jurisdiction_code = StringField(
        "辖区代码", validators=[InputRequired("请填写辖区代码"), Length(max=12)], description="如 411221100（城关镇）"
    )


class EditUserForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    display_name = StringField("姓名/单位", validators=[InputRequired("请填写姓名"), Length(max=40)])
    active = BooleanField("账号启用")
    new_password = PasswordField(
        "重置密码", validators=[Optional(), Length(min=8, max=200, message="密码至少8位")], description="留空则不修改"
    )


class GrantForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    role = SelectField("角色", choices=ROLE_CHOICES)
    jurisdiction_code = StringField("辖区代码", validators=[InputRequired("请填写辖区代码"), Length(max=12)])


class JurisdictionForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    code = StringField(
        "区划代码",
        validators=[InputRequired("请填写区划代码"), Regexp(r"^\d{2,12}$", message="区划代码应为数字")],
    )
    name = StringField("名称", validators=[InputRequired("请填写名称"), Length(max=64)])


class SiteForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    name = StringField("安置点名称", validators=[InputRequired("请填写名称"), Length(max=64)])
    kind = SelectField("类型", choices=select_choices([("centralized", "集中安置"), ("scattered", "分散安置")]))
    address = StringField("地址", validators=[InputRequired("请填写地址"), Length(max=200)])
