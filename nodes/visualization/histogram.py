"""Histogram: how the values of one numeric column are distributed, optionally one
outline per group of another column, as a Figure."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from nodes.scoring.plotting import new_figure, to_figure
from studio.core import NodeExecutionError, NodeSettings, NodeType, Port, PortType, Table
from studio.core.node import ColumnField
from studio.core.ports import TableSpec

from .axes import groups_of, require_axis, require_plain


class Settings(NodeSettings):
    column: str | None = ColumnField(None, numeric=True, description="Numeric column to count")
    bins: int = Field(20, ge=2, le=500, description="Number of bins (equal widths)")
    group: str | None = ColumnField(
        None, description="Column whose classes get one histogram each; empty: all rows together"
    )
    density: bool = Field(
        False, description="Show shares (each histogram's area is 1) instead of counts"
    )


class Histogram(NodeType):
    type_id = "visualization.histogram"
    name = "Histogram"
    category = "Visualize"
    description = (
        "Draws the distribution of a numeric column in equal-width bins, optionally per group."
    )
    keywords = ("histogram", "distribution", "bins", "plot", "figure", "chart", "visualize")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("figure", PortType.FIGURE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec = specs[0]
        require_axis(spec, s.column, "column")
        require_plain(spec, s.group, "group")
        return [None]

    def execute(self, s: Settings, inputs, ctx):
        table: Table = inputs[0]
        spec = table.spec()
        require_axis(spec, s.column, "column")
        require_plain(spec, s.group, "group")
        df = table.df.dropna(subset=[s.column])
        if len(df) == 0:
            raise NodeExecutionError(f"column {s.column!r} has no values: nothing to draw")
        values = df[s.column].to_numpy(dtype=float)
        edges = np.histogram_bin_edges(values[np.isfinite(values)], bins=s.bins)
        fig = new_figure()
        ax = fig.add_subplot()
        if s.group is None:
            ax.hist(values, bins=edges, density=s.density, edgecolor="white")
        else:
            for name, part in groups_of(df, s.group, "group"):
                ax.hist(
                    part[s.column].to_numpy(dtype=float),
                    bins=edges,
                    density=s.density,
                    histtype="stepfilled",
                    alpha=0.45,
                    label=name,
                )
            ax.legend(title=s.group, fontsize="small")
        ax.set(
            xlabel=s.column,
            ylabel="share" if s.density else "rows",
            title=f"Distribution of {s.column}",
        )
        ax.grid(True, axis="y", alpha=0.3)
        skipped = len(table.df) - len(df)
        if skipped:
            ctx.warn(f"{skipped:,} row(s) without a value in {s.column!r} are not counted")
        return [to_figure(fig, f"{ctx.label}: {s.column}")]
