from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from transfers.forms import ChineseForm, ChineseMeta, select_choices
from transfers.households.models import (
    ASSISTANCE_STATUS,
    MEDICAL_STATUS,
    PARTY_STATUS,
    PENSION_STATUS,
    RELATIONS,
    SETTLEMENT_MODES,
)


def _choices(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """Stored values stay Chinese/English codes; the labels follow the interface language."""
    return select_choices((value, _l(label)) for value, label in pairs)


def _to_choose(pairs: Iterable[tuple[str, str]]) -> list[SelectChoice]:
    """A choice nobody may skip: empty ("请选择") until the clerk picks one, so no
    default is ever saved unread."""
    return select_choices([("", _l("请选择"))]) + _choices(pairs)


class MemberForm(Form):
    class Meta(ChineseMeta):
        pass

    name = StringField(_l("姓名"), validators=[Optional(), Length(max=40)])
    id_number = StringField(
        _l("身份证号码"),
        validators=[Optional(), Length(max=24)],
        render_kw={"autocomplete": "off", "data-idcheck": "1", "maxlength": 18},
    )
    relation = SelectField(_l("与户主关系"), choices=_to_choose((r, r) for r in RELATIONS))
    party_status = SelectField(_l("政治面貌"), choices=_choices(PARTY_STATUS.items()))
    collective_member = BooleanField(_l("迁出地集体经济组织成员"))
    pension_status = SelectField(_l("养老保险"), choices=_to_choose(PENSION_STATUS.items()))
    medical_insurance = SelectField(_l("医疗保险"), choices=_to_choose(MEDICAL_STATUS.items()))
    assistance = SelectField(_l("社会救助"), choices=_choices(ASSISTANCE_STATUS.items()))
    registered_poor = BooleanField(_l("建档立卡/监测对象"))

    def is_blank(self) -> bool:
        return not (self.name.data or "").strip() and not (self.id_number.data or "").strip()


class HouseholdForm(ChineseForm):
    origin_id = SelectField(
        _l("迁出地（村/社区）"), coerce=int, validators=[InputRequired(_l("请选择迁出地"))]
    )
    # The household's rules decide which villages a user registers for (every door alike).
    destination_id = SelectField(
        _l("迁入地（村/社区）"),
        coerce=int,
        validators=[InputRequired(_l("请选择迁入地"))],
        validate_choice=False,
    )
    settlement_mode = SelectField(_l("安置方式"), choices=_to_choose(SETTLEMENT_MODES.items()))
    site_id = SelectField(_l("安置点"), coerce=int, validators=[Optional()])
    moved_on = DateField(_l("搬迁入住日期"), validators=[Optional()])
    address = StringField(_l("现住址"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)])
    has_destination_housing = BooleanField(_l("在安置地有农村住房"))
    lives_at_destination = BooleanField(_l("已在安置地实际居住"), default=True)
    has_destination_homestead = BooleanField(_l("在安置地有宅基地"))
    has_destination_contracted_land = BooleanField(_l("在安置地有承包地"))
    members = FieldList(FormField(MemberForm), min_entries=6, max_entries=20)


class CorrectedMemberForm(MemberForm):
    """A registered member as corrected; `person_id` names who it is."""

    person_id = HiddenField()


class CorrectionForm(ChineseForm):
    """更正登记: the registration as it should have been, and why."""

    reason = TextAreaField(
        _l("更正原因"),
        validators=[Length(max=500)],
        description=_l("如：登记时姓名录错，已核对户口簿；身份证号码录错一位"),
        render_kw={"rows": 2},
    )
    settlement_mode = SelectField(_l("安置方式"), choices=_to_choose(SETTLEMENT_MODES.items()))
    site_id = SelectField(_l("安置点"), coerce=int, validators=[Optional()])
    moved_on = DateField(_l("搬迁入住日期"), validators=[Optional()])
    address = StringField(_l("现住址"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("联系电话"), validators=[Optional(), Length(max=20)])
    has_destination_housing = BooleanField(_l("在安置地有农村住房"))
    lives_at_destination = BooleanField(_l("已在安置地实际居住"))
    has_destination_homestead = BooleanField(_l("在安置地有宅基地"))
    has_destination_contracted_land = BooleanField(_l("在安置地有承包地"))
    members = FieldList(FormField(CorrectedMemberForm), max_entries=20)
