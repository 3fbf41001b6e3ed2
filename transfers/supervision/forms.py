from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from transfers.forms import ChineseForm


class PlanForm(ChineseForm):
    measures = TextAreaField(_l("整改措施"), validators=[Length(max=1000)])
    office = StringField(_l("责任单位"), validators=[Length(max=120)])
    rectify_by = DateField(_l("整改时限"), validators=[Optional()])


class CloseForm(ChineseForm):
    resolution = TextAreaField(_l("整改结果（销号依据）"), validators=[Length(max=1000)])
