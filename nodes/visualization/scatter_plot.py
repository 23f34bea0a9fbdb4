"""Scatter Plot: one numeric column against another, coloured by a third column (its
classes, or a colour scale for numbers), as a Figure."""

from __future__ import annotations

from pydantic import Field

from nodes.scoring.plotting import new_figure, to_figure
from studio.core import NodeExecutionError, NodeSettings, NodeType, Port, PortType, Table
from studio.core.node import ColumnField
from studio.core.ports import TableSpec

from .axes import MAX_GROUPS, groups_of, require_axis, require_plain


class Settings(NodeSettings):
    x: str | None = ColumnField(None, numeric=True, description="Numeric column on the x axis")
    y: str | None = ColumnField(None, numeric=True, description="Numeric column on the y axis")
    color: str | None = ColumnField(
        None,
        description="Column that colours the points (classes or a number scale); empty: one colour",
    )
    max_points: int = Field(
        20_000, ge=100, le=1_000_000, description="At most this many rows drawn (a random sample)"
    )
    seed: int = Field(0, ge=0, description="Random seed of the sample")


class ScatterPlot(NodeType):
    type_id = "visualization.scatter_plot"
    name = "Scatter Plot"
    category = "Visualize"
    description = "Draws one numeric column against another, coloured by a class or number column."
    keywords = ("scatter", "plot", "points", "xy", "figure", "chart", "visualize", "correlation")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("figure", PortType.FIGURE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec = specs[0]
        require_axis(spec, s.x, "x")
        require_axis(spec, s.y, "y")
        require_plain(spec, s.color, "color")
        return [None]

    def execute(self, s: Settings, inputs, ctx):
        table: Table = inputs[0]
        spec = table.spec()
        require_axis(spec, s.x, "x")
        require_axis(spec, s.y, "y")
        require_plain(spec, s.color, "color")
        df = table.df.dropna(subset=[s.x, s.y])
        if len(df) == 0:
            raise NodeExecutionError(
                f"no row has both {s.x!r} and {s.y!r}: nothing to draw", where="x"
            )
        if len(df) > s.max_points:
            df = df.sample(s.max_points, random_state=s.seed)
        fig = new_figure()
        ax = fig.add_subplot()
        if s.color is None:
            ax.scatter(df[s.x], df[s.y], s=14, alpha=0.75)
        elif spec.column(s.color).is_numeric and df[s.color].nunique() > MAX_GROUPS:
            points = ax.scatter(df[s.x], df[s.y], c=df[s.color], cmap="viridis", s=14, alpha=0.8)
            fig.colorbar(points, ax=ax, label=s.color)
        else:
            for name, part in groups_of(df, s.color, "color"):
                ax.scatter(part[s.x], part[s.y], s=14, alpha=0.75, label=name)
            ax.legend(title=s.color, fontsize="small")
        ax.set(xlabel=s.x, ylabel=s.y, title=f"{s.y} against {s.x}")
        ax.grid(True, alpha=0.3)
        if len(df) < len(table.df.dropna(subset=[s.x, s.y])):
            ctx.warn(f"drew a random sample of {len(df):,} rows (max_points)")
        return [to_figure(fig, f"{ctx.label}: {s.y} against {s.x}")]
