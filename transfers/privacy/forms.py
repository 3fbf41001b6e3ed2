from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired

from transfers.forms import ChineseMeta, select_choices
from transfers.privacy.services import PURPOSES


class RevealIdForm(FlaskForm):
    """查看完整身份证号: which member, and why (recorded in the access audit)."""

    class Meta(ChineseMeta):
        pass

    person_id = IntegerField(_l("成员"), validators=[InputRequired(_l("请选择成员"))])
    purpose = SelectField(
        _l("查看事由"),
        choices=select_choices(
            [("", _l("请选择查看事由"))] + [(key, _l(text)) for key, text in PURPOSES.items()]
        ),
        validators=[InputRequired(_l("请选择查看事由"))],
    )
