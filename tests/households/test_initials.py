"""Pinyin initials of names: surnames read as surnames, the same letters whether
computed or taken from the cache."""

from transfers.households.registration import initials

NAMES = {
    "张三丰": "zsf",
    "曾国藩": "zgf",  # Zēng, not céng
    "解缙": "xj",  # Xiè, not jiě
    "仇英": "qy",  # Qiú, not chóu
    "区志强": "ozq",  # Ōu, not qū
    "朴槿惠": "pjh",
    "单田芳": "stf",  # Shàn, not dān
    "覃振": "qz",  # Qín
    "尉迟恭": "ycg",  # the two-character surname, not 尉 (Wèi)
    "尉缭": "wl",
    "长孙无忌": "zswj",
    "王单": "wd",  # only the surname is read as a surname
    "阿依古丽·买买提": "aygl·mmt",
    "Tom张": "tomz",
    "": "",
}


def test_initials_of_polyphonic_surnames_and_foreign_characters():
    for name, expected in NAMES.items():
        assert initials(name) == expected, name
        assert initials(name) == expected  # a second time: from the cache


def test_initials_are_cached_per_name():
    initials.cache_clear()
    for _ in range(3):
        initials("曾国藩")
    info = initials.cache_info()
    assert (info.hits, info.misses) == (2, 1)
