"""Places by name: 迁出地/迁入地 written as a ledger writes them.

A village (community) is found by its code, by its full name
(河南省三门峡市卢氏县官坡镇南新村), or by the tail of it (卢氏县官坡镇南新村, 官坡镇南新村,
南新村), within the counties the importing user works in (`Reach.name_scope`). A name
that fits several villages is ambiguous; one that fits none is unknown: both are
reported on their rows with the candidates, and a choice confirmed in the preview
(`ImportBatch.place_choices`) applies to every row of the file that writes that name.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from transfers.extensions import db
from transfers.imports.reach import Reach
from transfers.jurisdictions.models import Jurisdiction, Site
from transfers.visibility import within_paths
from workflows.i18n import gettext as _
from workflows.roles import Level

MAX_CANDIDATES = 8


@dataclass(frozen=True)
class Village:
    id: int
    code: str
    path: str
    full_name: str  # 省市县乡村
    short_name: str  # 乡镇 + 村, as a clerk would say it


@dataclass
class Found:
    """A name resolved: the village, or why not and the villages it might mean."""

    village: Village | None
    message: str = ""
    candidates: list[Village] = field(default_factory=list)


def _key(text: str) -> str:
    return "".join(text.split())


class PlaceNames:
    """The villages of the user's counties by every tail of their full names, and the
    confirmed choices of the batch; codes anywhere. Loaded once per batch."""

    def __init__(self, reach: Reach, choices: dict[str, int] | None = None) -> None:
        self.choices = {_key(k): v for k, v in (choices or {}).items()}
        self.by_id: dict[int, Village] = {}
        self.by_tail: dict[str, list[Village]] = {}
        self.by_code: dict[str, Village | None] = {}
        self.found: dict[str, Found] = {}
        self._load(reach)

    def _load(self, reach: Reach) -> None:
        query = select(
            Jurisdiction.id,
            Jurisdiction.code,
            Jurisdiction.name,
            Jurisdiction.level,
            Jurisdiction.path,
            Jurisdiction.parent_id,
        )
        if reach.name_scope is not None:
            ancestors = {seg for p in reach.name_scope for seg in p.rstrip("/").split("/") if seg}
            query = query.where(
                within_paths(Jurisdiction.path, list(reach.name_scope))
                | Jurisdiction.code.in_(ancestors)
            )
        rows = {r.id: r for r in db.session.execute(query)}
        for r in rows.values():
            if r.level != Level.VILLAGE:
                continue
            names = [r.name]
            parent = rows.get(r.parent_id) if r.parent_id else None
            while parent is not None:
                names.insert(0, parent.name)
                parent = rows.get(parent.parent_id) if parent.parent_id else None
            v = Village(r.id, r.code, r.path, "".join(names), "".join(names[-2:]))
            self.by_id[v.id] = v
            self.by_code[v.code] = v
            for k in range(len(names)):
                self.by_tail.setdefault("".join(names[k:]), []).append(v)

    def _by_code(self, code: str) -> Found:
        if code not in self.by_code:
            j = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
            self.by_code[code] = (
                Village(j.id, j.code, j.path, j.full_name, j.full_name)
                if j is not None and j.level == Level.VILLAGE
                else None
            )
            if j is not None and j.level != Level.VILLAGE:
                return Found(
                    None,
                    _(
                        "行政区划代码“%(code)s”（%(name)s）不是村（社区）一级",
                        code=code,
                        name=j.name,
                    ),
                )
        village = self.by_code[code]
        if village is None:
            return Found(None, _("未知的行政区划代码“%(code)s”", code=code))
        return Found(village)

    def _near(self, text: str) -> list[Village]:
        """Villages whose name shares the text's last name (for an unknown name)."""
        stem = text[-4:] if len(text) > 4 else text
        near = [v for tail, vs in self.by_tail.items() if stem in tail for v in vs]
        unique = {v.id: v for v in near}
        return sorted(unique.values(), key=lambda v: v.code)[:MAX_CANDIDATES]

    def _full_name_anywhere(self, text: str) -> Village | None:
        """A full name (省…村) outside the user's counties: the origin of a move from
        another county, as our own export writes it. One query on the names."""
        tails = [text[k:] for k in range(len(text) - 1)]
        found = db.session.scalars(
            select(Jurisdiction).where(
                Jurisdiction.name.in_(tails), Jurisdiction.level == Level.VILLAGE
            )
        ).all()
        exact = [j for j in found if j.full_name == text]
        if len(exact) != 1:
            return None
        j = exact[0]
        return Village(j.id, j.code, j.path, j.full_name, j.full_name)

    def _by_name(self, text: str) -> Found:
        if text in self.choices and self.choices[text] in self.by_id:
            return Found(self.by_id[self.choices[text]])
        matches = {v.id: v for v in self.by_tail.get(text, [])}
        if len(matches) == 1:
            return Found(next(iter(matches.values())))
        if matches:
            candidates = sorted(matches.values(), key=lambda v: v.code)
            return Found(
                None,
                _(
                    "“%(name)s”有%(n)s个同名村（社区）：%(names)s；请写明乡镇，或在预览中选定",
                    name=text,
                    n=len(candidates),
                    names=_("、").join(v.short_name for v in candidates[:MAX_CANDIDATES]),
                ),
                candidates[:MAX_CANDIDATES],
            )
        anywhere = self._full_name_anywhere(text)
        if anywhere is not None:
            return Found(anywhere)
        near = self._near(text)
        if near:
            message = _(
                "未找到村（社区）“%(name)s”，相近的有：%(names)s；请核对，或在预览中选定",
                name=text,
                names=_("、").join(v.short_name for v in near),
            )
        else:
            message = _(
                "未找到村（社区）“%(name)s”：请填写本县的村（社区）名称或区划代码", name=text
            )
        return Found(None, message, near)

    def village(self, text: str) -> Found:
        """The village a ledger cell names (a code, a full or a short name)."""
        text = _key(text)
        if text not in self.found:
            self.found[text] = self._by_code(text) if text.isdigit() else self._by_name(text)
        return self.found[text]

    def problems(self) -> list[dict[str, object]]:
        """The names not resolved, each with its candidates (for the preview's choices)."""
        return [
            {
                "text": text,
                "message": found.message,
                "candidates": [{"id": v.id, "name": v.full_name} for v in found.candidates],
            }
            for text, found in sorted(self.found.items())
            if found.village is None and not text.isdigit()
        ]


class SiteNames:
    """安置点 by destination and name; the names not found, to create on confirmation."""

    def __init__(self) -> None:
        self.sites: dict[tuple[int, str], int | None] = {}
        self.only_site: dict[int, int | None] = {}

    def site(self, destination_id: int, name: str) -> int | None:
        key = (destination_id, _key(name))
        if key not in self.sites:
            self.sites[key] = db.session.scalar(
                select(Site.id).where(Site.jurisdiction_id == destination_id, Site.name == key[1])
            )
        return self.sites[key]

    def single_site(self, destination_id: int) -> int | None:
        if destination_id not in self.only_site:
            ids = db.session.scalars(
                select(Site.id).where(
                    Site.jurisdiction_id == destination_id, Site.kind == "centralized"
                )
            ).all()
            self.only_site[destination_id] = ids[0] if len(ids) == 1 else None
        return self.only_site[destination_id]

    def missing(self) -> list[tuple[int, str]]:
        return sorted(k for k, v in self.sites.items() if v is None)
