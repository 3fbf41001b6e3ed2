"""Pinyin initials of names: the same letters whether computed or taken from the cache."""

from pypinyin import Style, lazy_pinyin

from transfers.households.registration import initials

NAMES = {
    "张三丰": "zsf",
    "曾国藩": "cgf",
    "解缙": "jj",
    "仇英": "cy",
    "区志强": "qzq",
    "朴槿惠": "pjh",
    "单田芳": "dtf",
    "长孙无忌": "zswj",
    "阿依古丽·买买提": "aygl·mmt",
    "Tom张": "tomz",
}


def test_initials_of_polyphonic_surnames_and_foreign_characters():
    for name, expected in NAMES.items():
        direct = "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower()
        assert initials(name) == expected == direct
        assert initials(name) == expected  # a second time: from the cache


def test_initials_are_cached_per_name():
    initials.cache_clear()
    for _ in range(3):
        initials("曾国藩")
    info = initials.cache_info()
    assert (info.hits, info.misses) == (2, 1)
