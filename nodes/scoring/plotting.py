"""Figures for the scoring nodes, drawn without pyplot: a bare matplotlib Figure renders
through the Agg canvas, touches no global state, and is safe in worker threads."""

from __future__ import annotations

import io

from matplotlib.figure import Figure as MplFigure

from studio.core import Figure


def new_figure(width: float = 6.0, height: float = 4.5) -> MplFigure:
    return MplFigure(figsize=(width, height), dpi=100, layout="constrained")


def to_figure(fig: MplFigure, title: str) -> Figure:
    """Render to PNG bytes (what the Figure port carries) and free the drawing."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    fig.clear()
    return Figure(buf.getvalue(), title=title)
