"""A state diagram of a procedure, read from its state machine (for the case page).

States and links come from the procedure's `transitions.Machine`, the same one that
decides actions, so the diagram can never drift from the rules. Layers follow the
shortest path from the initial state; ECharts draws the data in the browser.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from workflows.base import Move, Procedure


def diagram(procedure: Procedure) -> dict[str, Any]:
    """Nodes and links of the procedure's machine: every transition it has, a branch
    (taken only under its condition) as well as each action's plain destination."""
    machine_states = list(procedure.machine.states)
    moves = {state: procedure.moves(state) for state in machine_states}
    depth = _depths(procedure.initial, machine_states, moves)
    nodes = _nodes(procedure, machine_states, depth)
    place = {str(n["id"]): (int(n["x"]), int(n["y"])) for n in nodes}
    links = []
    seen: dict[tuple[str, str], int] = {}
    for source in machine_states:
        for move in moves[source]:
            pair = (source, move.dest)
            seen[pair] = seen.get(pair, 0) + 1
            bend = 0.15 * seen[pair]
            if depth[move.dest] < depth[source]:
                # A way back (e.g. 退回补正) arcs above the row, on the same side as the
                # way forward (ECharts bends by direction, hence the sign): below, it
                # would cross the edges to the lower rows and their labels. The arc is
                # as high for a long way back as for a short one.
                (x1, y1), (x2, y2) = place[source], place[move.dest]
                length = max(1.0, ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5)
                bend = -min(0.4, 2 * (40 + 20 * (seen[pair] - 1)) / length)
            links.append(
                {
                    "source": source,
                    "target": move.dest,
                    "label": move.action.label,
                    "system": move.action.system,
                    "conditional": move.conditional,
                    "curveness": bend,
                }
            )
    return {"name": procedure.name, "label": procedure.label, "nodes": nodes, "links": links}


def _depths(initial: str, states: list[str], moves: dict[str, list[Move]]) -> dict[str, int]:
    """Each state's layer: its shortest distance from the initial state."""
    depth = {initial: 0}
    queue = deque([initial])
    while queue:
        state = queue.popleft()
        for move in moves[state]:
            if move.dest not in depth:
                depth[move.dest] = depth[state] + 1
                queue.append(move.dest)
    for name in states:  # unreachable states (none in a valid procedure) last
        depth.setdefault(name, max(depth.values()) + 1)
    return depth


def _nodes(procedure: Procedure, states: list[str], depth: dict[str, int]) -> list[dict[str, Any]]:
    rows: dict[int, int] = {}
    nodes = []
    for name in states:
        spec = procedure.state(name)
        layer = depth[name]
        row = rows.get(layer, 0)
        rows[layer] = row + 1
        nodes.append(
            {
                "id": name,
                "label": spec.label,
                "x": layer * 180,
                "y": row * 90,
                "final": spec.final,
                "role": spec.role.label if spec.role else "",
            }
        )
    return nodes
