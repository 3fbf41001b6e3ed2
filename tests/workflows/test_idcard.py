from datetime import date

import pytest

from workflows.idcard import (
    InvalidIdNumber,
    check_digit,
    mask_id_number,
    mask_name,
    parse_id_number,
)

VALID = "11010519491231002X"  # the GB 11643 standard's own example


def test_standard_example_is_valid():
    parsed = parse_id_number(VALID)
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.sex == "F"  # 17th digit 2 is even


@pytest.mark.parametrize(
    "raw",
    [VALID.lower(), " 11010519491231002X ", "１１０１０５１９４９１２３１００２Ｘ"],
)
def test_normalises_case_spaces_and_fullwidth(raw):
    assert parse_id_number(raw).number == VALID


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写"),
        ("1101051949123100", "应为18位，当前为16位"),
        ("110105194912310021", "校验位不正确"),
        ("11010519491331002X", "出生日期无效"),
        ("11010519490230002X", "出生日期无效"),
        ("1101051949123100AX", "前17位应为数字"),
        ("99010519491231002X", "省级行政区划代码"),
    ],
)
def test_invalid_numbers_have_clear_chinese_messages(raw, message):
    with pytest.raises(InvalidIdNumber, match=message):
        parse_id_number(raw)


def test_future_birth_date_is_rejected():
    first17 = "41122120990101001"
    with pytest.raises(InvalidIdNumber, match="出生日期"):
        parse_id_number(first17 + check_digit(first17))


@pytest.mark.parametrize("digit17,sex", [("1", "M"), ("2", "F"), ("9", "M"), ("0", "F")])
def test_sex_follows_the_17th_digit(digit17, sex):
    first17 = "4112211980010100" + digit17
    assert parse_id_number(first17 + check_digit(first17)).sex == sex


def test_region_code_not_checked_against_birth_year():
    # 411221 (渑池县) dates from 1986; people born before then carry it all the same.
    first17 = "41122119500101001"
    assert parse_id_number(first17 + check_digit(first17)).birth_date == date(1950, 1, 1)


def test_masking():
    assert mask_id_number("411221198001010013") == "411221********0013"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("李四") == "李*"
    assert mask_name("欧阳娜娜") == "欧**娜"
