from flask_wtf import FlaskForm

from transfers.forms import ChineseMeta
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length


class LoginForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    username = StringField("用户名", validators=[InputRequired("请输入用户名"), Length(max=40)])
    password = PasswordField("密码", validators=[InputRequired("请输入密码"), Length(max=200)])
