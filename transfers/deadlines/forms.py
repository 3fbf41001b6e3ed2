from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from transfers.forms import ChineseForm, select_choices
from workflows.calendar import LimitUnit

# The unit as a word on its own (the labels of LimitUnit follow a number: 5个工作日).
UNIT_NAMES = {
    LimitUnit.WORKING_DAYS: _l("工作日"),
    LimitUnit.CALENDAR_DAYS: _l("自然日"),
    LimitUnit.MONTHS: _l("月"),
}


class TimeLimitForm(ChineseForm):
    step = SelectField(_l("事项与环节"), validators=[DataRequired(_l("请选择环节"))])
    jurisdiction = SelectField(_l("适用辖区"), default="")
    amount = IntegerField(
        _l("时限"),
        validators=[DataRequired(_l("请填写时限")), NumberRange(1, 365, _l("时限应为1至365"))],
    )
    unit = SelectField(
        _l("单位"), choices=select_choices((u.value, UNIT_NAMES[u]) for u in LimitUnit)
    )


class OverrideForm(ChineseForm):
    """A range of days (国庆节 10月1日至7日) entered at once; one day: no end date."""

    starts_on = DateField(_l("开始日期"), validators=[DataRequired(_l("请填写开始日期"))])
    ends_on = DateField(
        _l("结束日期"), validators=[Optional()], description=_l("只调整一天的，可不填")
    )
    is_workday = SelectField(
        _l("类型"),
        choices=select_choices([("0", _l("放假（非工作日）")), ("1", _l("上班（工作日）"))]),
    )
    note = StringField(
        _l("名称"),
        validators=[DataRequired(_l("请填写名称（如：国庆节、春节调休上班）")), Length(max=100)],
    )


class RangeForm(ChineseForm):
    """Removing an entered range (its first and last day)."""

    starts_on = DateField(validators=[DataRequired()])
    ends_on = DateField(validators=[DataRequired()])


class SuspendForm(ChineseForm):
    reason = StringField(
        _l("暂停原因"), validators=[DataRequired(_l("请填写原因")), Length(max=500)]
    )
    items = TextAreaField(_l("需补正的材料（一次性告知，每行一项；不需补正材料可不填）"))


class EmptyForm(ChineseForm):
    """A form with nothing but its CSRF token."""
