"""Surnames read otherwise than their characters' common reading.

pypinyin reads a character as it is most often read in running text, which is wrong
for a few surnames: 单 is dān in 单个 but Shàn as a surname, 曾 is céng but Zēng, 解 is
jiě but Xiè. A name is searched by its pinyin initials, so a clerk typing "stf" for
单田芳 must find it. The letters here are each surname's initials as a surname.
Only surnames with one established reading are listed (乐 and 盖 have two in use).
"""

from __future__ import annotations

# Two-character surnames first: 尉迟 is not 尉 followed by a given name.
COMPOUND = {"尉迟": "yc", "万俟": "mq", "长孙": "zs", "澹台": "tt"}

SINGLE = {
    "单": "s",  # Shàn
    "仇": "q",  # Qiú
    "区": "o",  # Ōu
    "覃": "q",  # Qín
    "解": "x",  # Xiè
    "曾": "z",  # Zēng
    "查": "z",  # Zhā
    "朴": "p",  # Piáo
    "翟": "z",  # Zhái
    "召": "s",  # Shào
    "繁": "p",  # Pó
    "种": "c",  # Chóng
    "重": "c",  # Chóng
    "秘": "b",  # Bì
    "折": "s",  # Shé
    "藏": "z",  # Zàng
    "句": "g",  # Gōu
    "便": "p",  # Pián
    "隗": "w",  # Wěi
}


def surname_initials(name: str) -> tuple[str, str] | None:
    """(the surname's initials, the rest of the name) when `name` starts with a listed
    surname, else None."""
    if name[:2] in COMPOUND:
        return COMPOUND[name[:2]], name[2:]
    if name[:1] in SINGLE:
        return SINGLE[name[:1]], name[1:]
    return None
