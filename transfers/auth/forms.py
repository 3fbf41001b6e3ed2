from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from transfers.forms import ChineseMeta


class LoginForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    username = StringField(
        _l("用户名"), validators=[InputRequired(_l("请输入用户名")), Length(max=40)]
    )
    password = PasswordField(
        _l("密码"), validators=[InputRequired(_l("请输入密码")), Length(max=200)]
    )
