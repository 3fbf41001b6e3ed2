from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import EqualTo, InputRequired, Length

from transfers.forms import ChineseForm


class LoginForm(ChineseForm):
    username = StringField(
        _l("用户名"), validators=[InputRequired(_l("请输入用户名")), Length(max=40)]
    )
    password = PasswordField(
        _l("密码"), validators=[InputRequired(_l("请输入密码")), Length(max=200)]
    )


class ChangePasswordForm(ChineseForm):
    current = PasswordField(
        _l("初始密码"), validators=[InputRequired(_l("请输入初始密码")), Length(max=200)]
    )
    new = PasswordField(
        _l("新密码"),
        validators=[
            InputRequired(_l("请输入新密码")),
            Length(min=8, max=200, message=_l("密码至少8位")),
        ],
    )
    repeat = PasswordField(
        _l("再次输入新密码"),
        validators=[
            InputRequired(_l("请再次输入新密码")),
            EqualTo("new", message=_l("两次输入的新密码不一致")),
        ],
    )
