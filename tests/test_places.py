"""Places from the official division codes: finding a county, enabling it (once)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from transfers.jurisdictions import divisions
from transfers.jurisdictions.enabling import EnableRefused, enable_county, plan_county
from transfers.jurisdictions.models import Jurisdiction
from workflows.roles import Level


def count(db) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(Jurisdiction))


@pytest.mark.parametrize(
    ("official", "name"),
    [
        ("杜关村村委会", "杜关村"),
        ("南新村社区居民委员会", "南新村社区"),
        ("秋实社区居委会", "秋实社区"),
        ("郭家村村民委员会", "郭家村"),
        ("同德居民委员会", "同德社区"),
        ("漓东街道办事处", "漓东街道"),
        ("官坡镇", "官坡镇"),
    ],
)
def test_place_names_drop_the_committee(official, name):
    assert divisions.place_name(official) == name


def test_find_a_county_by_short_full_or_code_name():
    for query in ("卢氏县", "三门峡市卢氏县", "河南省三门峡市卢氏县", "411224"):
        assert [d.code for d in divisions.find_counties(query)] == ["411224"]
    assert divisions.full_name(divisions.division("110101")) == "北京市东城区"  # 市辖区 left out


def test_county_places_are_the_official_townships_and_villages():
    places = divisions.county_places("411224")
    townships = [d for d in places if d.level is Level.TOWNSHIP]
    villages = [d for d in places if d.level is Level.VILLAGE]
    assert ("411224105", "官坡镇") in [(d.code, d.name) for d in townships]
    assert len(townships) == 20 and len(villages) == 271
    assert ("411224101200", "杜关村") in [(d.code, d.name) for d in villages]
    assert all(v.code.startswith("411224") for v in places)


def test_enable_a_county_creates_its_tree_once(db, geo):
    before = count(db)
    plan, created = enable_county("卢氏县")
    db.session.commit()
    assert created == 1 + 20 + 271  # the county; province and city exist already
    assert count(db) == before + created
    village = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "411224101200"))
    assert village.name == "杜关村" and village.level == "village"
    assert village.path == "41/4112/411224/411224101/411224101200/"
    assert village.full_name == "河南省三门峡市卢氏县杜关镇杜关村"
    again, created_again = enable_county("411224")
    db.session.commit()
    assert created_again == 0 and count(db) == before + created
    assert again.new_count == 0


def test_enable_keeps_existing_places_as_they_are(db, geo):
    geo["411221100"].name = "城关镇（本地名）"
    db.session.commit()
    plan = plan_county("渑池县")
    assert "411221100" in plan.existing and plan.new_count == len(plan.all_divisions) - len(
        plan.existing
    )
    enable_county("渑池县")
    db.session.commit()
    assert geo["411221100"].name == "城关镇（本地名）"


def test_a_new_province_is_created_with_its_city(db):
    plan, created = enable_county("110101")
    db.session.commit()
    root = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "11"))
    assert root.level == "province" and root.parent is None and root.path == "11/"
    assert created == 3 + len(plan.places)


def test_admins_enable_only_within_their_area(db, geo):
    with pytest.raises(EnableRefused, match="本人管理辖区"):
        enable_county("卢氏县", admin_paths=["14/"])
    assert db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "411224")) is None
    _, created = enable_county("卢氏县", admin_paths=["41/"])
    assert created > 0


@pytest.mark.parametrize(("query", "message"), [("鼓楼区", "对应多个区县"), ("不存在县", "找不到")])
def test_unknown_or_ambiguous_counties_are_refused_with_candidates(db, query, message):
    with pytest.raises(EnableRefused, match=message) as refused:
        plan_county(query)
    if query == "鼓楼区":
        assert "河南省开封市鼓楼区（410204）" in str(refused.value)
    assert count(db) == 0


def test_cli_search_and_enable_county(app, db, geo):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["places", "search", "卢氏"])
    assert result.exit_code == 0 and "411224  河南省三门峡市卢氏县" in result.output
    result = runner.invoke(args=["places", "enable-county", "卢氏县", "--dry-run"])
    assert result.exit_code == 0 and "292 jurisdictions would be created" in result.output
    assert db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "411224")) is None
    result = runner.invoke(args=["places", "enable-county", "卢氏县"])
    assert result.exit_code == 0 and "Created 292 jurisdictions" in result.output
    result = runner.invoke(args=["places", "enable-county", "卢氏县"])
    assert "Created 0 jurisdictions" in result.output
    result = runner.invoke(args=["places", "enable-county", "鼓楼区"])
    assert result.exit_code == 1 and "对应多个区县" in result.output
