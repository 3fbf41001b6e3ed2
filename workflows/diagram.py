"""A state diagram of a procedure, laid out from its definition (for the case page).

Layers follow the shortest path from the initial state; the drawing itself is done by
ECharts in the browser from this data, so the diagram can never drift from the code.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from workflows.base import Procedure


def diagram(procedure: Procedure) -> dict[str, Any]:
    depth = {procedure.initial: 0}
    queue = deque([procedure.initial])
    while queue:
        state = queue.popleft()
        for action in procedure.actions:
            if action.source != state:
                continue
            for dest in procedure.possible_dests(action):
                if dest not in depth:
                    depth[dest] = depth[state] + 1
                    queue.append(dest)
    for name in procedure.states:  # unreachable states (none in a valid procedure) last
        depth.setdefault(name, max(depth.values()) + 1)
    rows: dict[int, int] = {}
    nodes = []
    for name, spec in procedure.states.items():
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
    place = {n["id"]: (n["x"], n["y"]) for n in nodes}
    links = []
    seen: dict[tuple[str, str], int] = {}
    for action in procedure.actions:
        for dest in procedure.possible_dests(action):
            pair = (action.source, dest)
            seen[pair] = seen.get(pair, 0) + 1
            bend = 0.15 * seen[pair]
            if depth[dest] < depth[action.source]:
                # A way back (e.g. 退回补正) arcs above the row, on the same side as the
                # way forward (ECharts bends by direction, hence the sign): below, it
                # would cross the edges to the lower rows and their labels. The arc is
                # as high for a long way back as for a short one.
                (x1, y1), (x2, y2) = place[action.source], place[dest]
                length = max(1.0, ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5)
                bend = -min(0.4, 2 * (40 + 20 * (seen[pair] - 1)) / length)
            links.append(
                {
                    "source": action.source,
                    "target": dest,
                    "label": action.label,
                    "system": action.system,
                    "curveness": bend,
                }
            )
    return {"name": procedure.name, "label": procedure.label, "nodes": nodes, "links": links}
