"""The procedure framework: the shared machine is never bound to case rows."""

import threading

from workflows.base import Context, Field, Offer, clean
from workflows.registry import PROCEDURES
from workflows.roles import Level, Role, ancestor_path
from workflows.scope import Scope, relocation_scope


def test_the_machine_is_asked_never_bound_to_a_model():
    """Deciding asks the machine; it holds no model, so concurrent decisions cannot mix."""
    p = PROCEDURES["hukou"]
    ctx = Context(facts={"settlement_mode": "centralized", "lives_at_destination": True})
    workers, barrier = 4, threading.Barrier(4)
    pairs: list[tuple[str, str]] = []

    def decide_together() -> None:
        barrier.wait()
        for _ in range(200):
            declined = p.decide("application", "decline", {}, ctx).dest
            returned = p.decide("police_review", "return", {"reason": "补正"}, ctx).dest
            pairs.append((declined, returned))

    threads = [threading.Thread(target=decide_together) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert pairs == [("declined", "application")] * 800
    assert p.machine.models == []


def test_every_waiting_state_has_a_role_and_a_limit_and_final_states_have_none():
    for p in PROCEDURES.values():
        for s in p.states.values():
            routing = all(a.system for a in p.actions if a.source == s.name)
            if s.final:
                assert s.role is None
            elif routing and s.role is None:
                continue  # routed by the engine at once (system actions only)
            elif not s.waits_on:
                assert isinstance(s.role, Role) and s.limit is not None, (p.name, s.name)


def test_every_state_is_reachable_and_every_non_final_state_has_an_exit():
    for p in PROCEDURES.values():
        reachable, frontier = {p.initial}, [p.initial]
        while frontier:
            s = frontier.pop()
            for a in p.actions:
                if a.source == s:
                    for d in p.possible_dests(a):
                        if d not in reachable:
                            reachable.add(d)
                            frontier.append(d)
        assert reachable == set(p.states), p.name
        for s in p.states.values():
            if not s.final:
                assert any(a.source == s.name for a in p.actions), (p.name, s.name)


def test_ancestor_path():
    path = "41/4112/411221/411221100/411221100201/"
    assert ancestor_path(path, Level.TOWNSHIP) == "41/4112/411221/411221100/"
    assert ancestor_path(path, Level.PROVINCE) == "41/"


def test_relocation_scope_is_derived():
    v1 = "41/4112/411221/411221100/411221100201/"
    v2 = "41/4112/411221/411221205/411221205201/"
    v3 = "41/4112/411203/411203105/411203105201/"
    v4 = "14/1408/140827/140827203/140827203201/"
    assert relocation_scope(v2, v1) is Scope.SAME_COUNTY
    assert relocation_scope(v3, v1) is Scope.CROSS_COUNTY_SAME_PROVINCE
    assert relocation_scope(v4, v1) is Scope.CROSS_PROVINCE


def test_diagram_covers_every_state_and_action():
    from workflows.diagram import diagram

    for p in PROCEDURES.values():
        d = diagram(p)
        assert {n["id"] for n in d["nodes"]} == set(p.states)
        assert len(d["links"]) == sum(len(p.possible_dests(a)) for a in p.actions)
        initial = next(n for n in d["nodes"] if n["id"] == p.initial)
        assert initial["x"] == 0


def test_diagram_ways_back_arc_above_at_one_height_ways_forward_bend_gently():
    """退回补正 arcs on the forward edge's side (negative curveness for the opposite
    direction), as high for a long way back as for a short one, so it crosses neither
    the edges to lower rows nor their labels."""
    from workflows.diagram import diagram

    for p in PROCEDURES.values():
        d = diagram(p)
        place = {n["id"]: (n["x"], n["y"]) for n in d["nodes"]}
        layer = {n["id"]: n["x"] for n in d["nodes"]}
        for link in d["links"]:
            back = layer[link["target"]] < layer[link["source"]]
            if not back:
                assert 0 < link["curveness"] <= 0.45, (p.name, link)
                continue
            (x1, y1), (x2, y2) = place[link["source"]], place[link["target"]]
            length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
            assert link["curveness"] < 0, (p.name, link)
            height = -link["curveness"] * length / 2  # the arc's peak above its chord
            assert 20 <= height <= 60 or link["curveness"] == -0.4, (p.name, link, height)
    hukou = diagram(PROCEDURES["hukou"])
    back = [link for link in hukou["links"] if link["label"] == "退回补正"]
    assert len(back) == 1 and back[0]["curveness"] < 0


def test_every_procedure_says_where_a_closed_case_leaves_the_person():
    """五个不变: each procedure has a coverage rule, and each final state has an outcome."""
    for p in PROCEDURES.values():
        assert p._coverage is not None, p.name
        for s in p.states.values():
            if s.final:
                assert s.outcome_label, (p.name, s.name)


def test_a_choice_that_depends_on_the_case_refuses_with_the_option_s_own_reason():
    def offers(ctx: Context) -> list[Offer]:
        closed = "" if ctx.facts.person.registered_poor else "仅建档立卡人员可选"
        return [Offer("a", "甲"), Offer("b", "乙", closed)]

    field = Field("pick", "选择", "choice", offers=offers)
    ctx = Context()
    assert field.resolve_choices(ctx) == [("a", "甲")]
    assert clean([field], {"pick": "a"}, ctx) == ({"pick": "a"}, {})
    assert clean([field], {"pick": "b"}, ctx) == ({}, {"pick": "不能选择“乙”：仅建档立卡人员可选"})
    assert clean([field], {"pick": "z"}, ctx) == ({}, {"pick": "“选择”的选项无效"})
    assert clean([field], {"pick": "b"}, Context(facts={"registered_poor": True}))[0] == {
        "pick": "b"
    }
