from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired

from transfers.forms import ChineseForm, select_choices
from transfers.privacy.services import PURPOSES


class PurposeForm(ChineseForm):
    """Why full ID numbers are wanted (recorded in the access audit); asked once."""

    purpose = SelectField(
        _l("查看事由"),
        choices=select_choices(
            [("", _l("请选择查看事由"))] + [(key, _l(text)) for key, text in PURPOSES.items()]
        ),
        validators=[InputRequired(_l("请选择查看事由"))],
    )


class RevealIdForm(PurposeForm):
    """查看完整身份证号: which member, and why."""

    person_id = IntegerField(_l("成员"), validators=[InputRequired(_l("请选择成员"))])
