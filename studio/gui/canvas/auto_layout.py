"""Automatic layered layout: columns by topological generation, rows ordered by the
mean row of each node's predecessors (a barycenter pass), so wires mostly run right."""

from __future__ import annotations

import networkx as nx

COLUMN_SPACING = 180.0
ROW_SPACING = 120.0


def layered_layout(
    graph: nx.MultiDiGraph, origin: tuple[float, float] = (0.0, 0.0)
) -> dict[str, tuple[float, float]]:
    positions: dict[str, tuple[float, float]] = {}
    row_of: dict[str, float] = {}
    for col, generation in enumerate(nx.topological_generations(graph)):

        def barycenter(n: str) -> tuple[float, str]:
            preds = [row_of[p] for p in graph.predecessors(n) if p in row_of]
            return (sum(preds) / len(preds) if preds else float("inf"), n)

        ordered = sorted(generation, key=barycenter)
        for row, n in enumerate(ordered):
            row_of[n] = row
            positions[n] = (origin[0] + col * COLUMN_SPACING, origin[1] + row * ROW_SPACING)
    return positions
