from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from transfers.forms import ChineseMeta, select_choices
from workflows.calendar import LimitUnit


class TimeLimitForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    step = SelectField("事项与环节", validators=[DataRequired("请选择环节")])
    jurisdiction = SelectField("适用辖区", default="")
    amount = IntegerField(
        "时限", validators=[DataRequired("请填写时限"), NumberRange(1, 365, "时限应为1至365")]
    )
    unit = SelectField(
        "单位", choices=select_choices((u.value, u.label.removeprefix("个")) for u in LimitUnit)
    )


class OverrideForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    day = DateField("日期", validators=[DataRequired("请填写日期")])
    is_workday = SelectField(
        "类型", choices=select_choices([("0", "放假（非工作日）"), ("1", "上班（工作日）")])
    )
    note = StringField("说明", validators=[Length(max=100)])


class SuspendForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    reason = StringField("暂停原因", validators=[DataRequired("请填写原因"), Length(max=500)])
    items = TextAreaField("需补正的材料（一次性告知，每行一项；不需补正材料可不填）")


class EmptyForm(FlaskForm):
    class Meta(ChineseMeta):
        pass
