"""Figures for the scoring nodes, drawn without pyplot: a bare matplotlib Figure renders
through the Agg canvas, touches no global state, and is safe in worker threads."""

from __future__ import annotations

import io

from matplotlib.figure import Figure as MplFigure

from studio.core import Figure


def new_figure(width: float = 6.0, height: float = 4.5) -> MplFigure:
    return MplFigure(figsize=(width, height), dpi=100, layout="constrained")


PNG_DPI = 200  # twice the figure's own: the picture stays sharp on a 2x screen


def to_figure(fig: MplFigure, title: str) -> Figure:
    """Render to PNG bytes (what the Figure port carries, at twice the figure's resolution)
    and keep the drawing itself, which the studio's viewer makes interactive."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PNG_DPI)
    return Figure(buf.getvalue(), title=title, drawing=fig)
