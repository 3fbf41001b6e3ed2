from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from transfers.forms import ChineseForm, select_choices
from workflows.collective_membership import BODY_LABELS


class PublishForm(ChineseForm):
    body = SelectField(
        _l("表决机构"),
        choices=select_choices((b.value, _l(text)) for b, text in BODY_LABELS.items()),
    )
    body_size = IntegerField(
        _l("表决机构总人数"),
        validators=[
            InputRequired(_l("请填写表决机构总人数")),
            NumberRange(min=1, message=_l("应大于0")),
        ],
        description=_l("成员大会全体成员、村民会议全体成员或全体村民代表的人数（不是到会人数）"),
    )
    starts_on = DateField(_l("公示开始日期"), validators=[InputRequired(_l("请填写公示开始日期"))])
    days = IntegerField(
        _l("公示天数（自然日）"),
        validators=[
            InputRequired(_l("请填写公示天数")),
            NumberRange(min=1, max=60, message=_l("1至60天")),
        ],
    )
    backdate_reason = StringField(
        _l("公示开始日期早于今天的原因"),
        validators=[Optional(), Length(max=200)],
        description=_l("公示已在村务公开栏张贴、现补录的，写明张贴日期和地点"),
    )


class VoteForm(ChineseForm):
    voted_on = DateField(_l("表决日期"), validators=[InputRequired(_l("请填写表决日期"))])
