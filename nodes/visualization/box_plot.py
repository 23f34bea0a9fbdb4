"""Box Plot: median, quartiles, whiskers and outliers of numeric columns, side by side or
per group of another column, as a Figure."""

from __future__ import annotations

from pydantic import Field

from nodes.scoring.plotting import new_figure, to_figure
from studio.core import (
    ConfigureError,
    NodeExecutionError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
)
from studio.core.node import ColumnField, ColumnsField
from studio.core.ports import TableSpec

from .axes import groups_of, require_plain

MAX_BOXES = 30


class Settings(NodeSettings):
    columns: list[str] = ColumnsField(
        numeric=True, description="Numeric columns to draw (default: every numeric feature column)"
    )
    group: str | None = ColumnField(
        None, description="Column whose classes get one box each (per column); empty: all rows"
    )
    show_outliers: bool = Field(True, description="Draw the points beyond the whiskers")


def _columns(s: Settings, spec: TableSpec) -> list[str]:
    if s.columns:
        spec.require(s.columns, setting="columns", numeric=True)
        return list(s.columns)
    cols = [
        c.name
        for c in spec.columns
        if c.is_numeric
        and c.dtype != "boolean"
        and spec.role_of(c.name) == "feature"
        and c.name != s.group
    ]
    if not cols:
        raise ConfigureError("the table has no numeric feature column to draw", where="columns")
    if len(cols) > MAX_BOXES:
        cols = cols[:MAX_BOXES]
    return cols


def _slant(ax, labels: list[str]) -> None:
    """Slant the box labels when they would run into each other."""
    if sum(len(t) for t in labels) > 6 * len(labels) or len(labels) > 6:
        ax.tick_params(axis="x", rotation=35)
        for label in ax.get_xticklabels():
            label.set_horizontalalignment("right")


class BoxPlot(NodeType):
    type_id = "visualization.box_plot"
    name = "Box Plot"
    category = "Visualize"
    description = "Draws median, quartiles and outliers of numeric columns, optionally per group."
    keywords = ("box", "boxplot", "whisker", "quartile", "outlier", "plot", "figure", "visualize")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("figure", PortType.FIGURE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec = specs[0]
        _columns(s, spec)
        require_plain(spec, s.group, "group")
        return [None]

    def execute(self, s: Settings, inputs, ctx):
        table: Table = inputs[0]
        spec = table.spec()
        columns = _columns(s, spec)
        require_plain(spec, s.group, "group")
        df = table.df
        empty = [c for c in columns if df[c].isna().all()]
        if empty or len(df) == 0:
            raise NodeExecutionError(
                f"no values to draw in column(s) {', '.join(map(repr, empty or columns))}",
                where="columns",
            )
        groups = list(groups_of(df, s.group, "group")) if s.group else []
        per_column = 0.9 if not groups else 0.6 + 0.5 * len(groups)
        fig = new_figure(min(16.0, max(4.0, 1.2 + per_column * len(columns))), 4.5)
        axes = fig.subplots(1, len(columns), squeeze=False)[0] if groups else [fig.add_subplot()]
        if not groups:
            data = [df[c].dropna().to_numpy(dtype=float) for c in columns]
            axes[0].boxplot(data, tick_labels=columns, showfliers=s.show_outliers)
            axes[0].set_title("Box plot")
            _slant(axes[0], columns)
        else:
            names = [n for n, _ in groups]
            for ax, c in zip(axes, columns):
                data = [part[c].dropna().to_numpy(dtype=float) for _, part in groups]
                ax.boxplot(data, tick_labels=names, showfliers=s.show_outliers)
                ax.set_title(c)
                ax.set_xlabel(s.group)
                _slant(ax, names)
        for ax in axes:
            ax.grid(True, axis="y", alpha=0.3)
        return [to_figure(fig, f"{ctx.label}: box plot")]
