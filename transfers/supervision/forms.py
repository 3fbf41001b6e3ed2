from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from transfers.forms import ChineseMeta


class PlanForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    measures = TextAreaField(_l("整改措施"), validators=[Length(max=1000)])
    office = StringField(_l("责任单位"), validators=[Length(max=120)])
    rectify_by = DateField(_l("整改时限"), validators=[Optional()])


class CloseForm(FlaskForm):
    class Meta(ChineseMeta):
        pass

    resolution = TextAreaField(_l("整改结果（销号依据）"), validators=[Length(max=1000)])
