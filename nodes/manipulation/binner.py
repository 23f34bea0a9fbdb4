"""Binner: turn a numeric column into intervals (equal-width, quantile or custom edges).

The edges are learned on the table it runs on and emitted as a `Transform`, so test rows
and deployed services are binned with the training edges, never with their own.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from studio.core import (
    ConfigureError,
    NodeExecutionError,
    NodeSettings,
    Port,
    PortType,
    StatefulNodeType,
    Transform,
)
from studio.core.node import ColumnField
from studio.core.ports import ColumnSpec, TableSpec, TransformSpec


class Settings(NodeSettings):
    column: str | None = ColumnField(None, numeric=True, description="Numeric column to bin")
    method: Literal["equal_width", "quantile", "custom"] = Field(
        "equal_width",
        description="Equal-width bins, equal-count (quantile) bins, or your own edges",
    )
    bins: int = Field(5, ge=2, le=1000, description="Number of bins (equal_width, quantile)")
    edges: list[float] = Field(
        default_factory=list,
        description="Bin edges in increasing order (custom); values outside fall into the end bins",
    )
    labels: list[str] = Field(
        default_factory=list,
        description="One name per bin (empty: interval text such as [1.5, 3.0))",
    )
    output_column: str = Field(
        "", description="Name of the binned column (empty: replace the column)"
    )


def _out(s: Settings) -> str:
    return s.output_column or s.column or ""


def _labels(s: Settings, edges: list[float]) -> list[str]:
    if s.labels:
        return list(s.labels)
    cuts = [f"{e:.6g}" for e in edges]
    return [f"[{cuts[i]}, {cuts[i + 1]})" for i in range(len(edges) - 1)]


def _check(s: Settings, spec: TableSpec | None) -> None:
    if not s.column:
        raise ConfigureError("choose the numeric column to bin", where="column")
    if s.method == "custom":
        if len(s.edges) < 2:
            raise ConfigureError("give at least two edges, e.g. [0, 18, 65, 120]", where="edges")
        if any(b <= a for a, b in zip(s.edges, s.edges[1:], strict=False)):
            raise ConfigureError("edges must be strictly increasing", where="edges")
    n_bins = len(s.edges) - 1 if s.method == "custom" else s.bins
    if s.labels and len(s.labels) != n_bins:
        raise ConfigureError(
            f"{len(s.labels)} labels for {n_bins} bins: give one label per bin", where="labels"
        )
    if s.labels and len(set(s.labels)) != len(s.labels):
        raise ConfigureError("labels must be distinct", where="labels")
    if spec is not None:
        spec.require(s.column, setting="column", numeric=True)


class Binner(StatefulNodeType):
    type_id = "manipulation.binner"
    name = "Binner"
    category = "Manipulation"
    description = "Bins a numeric column into intervals (equal-width, quantile or custom edges); the edges are reusable on other tables."
    keywords = ("bin", "bucket", "discretize", "cut", "quantile", "interval", "histogram")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE), Port("binning", PortType.TRANSFORM))
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec = specs[0]
        _check(s, spec)
        tspec = TransformSpec("binning", (s.column,))
        cats = tuple(s.labels) if s.labels else None
        if s.method == "custom" and not s.labels:
            cats = tuple(_labels(s, list(s.edges)))
        new = ColumnSpec(_out(s), "category", cats)
        cols = tuple(new if c.name == new.name else c for c in spec.columns)
        if new.name not in spec.names:
            cols = (*cols, new)
        return [TableSpec(cols, spec.roles), tspec]

    def fit(self, s: Settings, inputs, ctx):
        table = inputs[0]
        _check(s, table.spec())
        if s.method == "custom":
            return {"edges": [float(e) for e in s.edges]}
        values = pd.to_numeric(table.df[s.column], errors="coerce").dropna().to_numpy(dtype=float)
        if len(values) == 0:
            raise NodeExecutionError(f"column {s.column!r} has no values to learn bin edges from")
        if s.method == "quantile":
            edges = np.unique(np.quantile(values, np.linspace(0, 1, s.bins + 1)))
            if len(edges) - 1 != s.bins:
                raise NodeExecutionError(
                    f"column {s.column!r} has too many repeated values for {s.bins} quantile bins "
                    f"(only {len(edges) - 1} distinct): lower 'bins' or use equal_width"
                )
        else:
            lo, hi = float(values.min()), float(values.max())
            if lo == hi:
                raise NodeExecutionError(
                    f"column {s.column!r} holds one value ({lo:g}): nothing to bin"
                )
            edges = np.linspace(lo, hi, s.bins + 1)
        return {"edges": [float(e) for e in edges]}

    def apply(self, s: Settings, state, inputs, ctx):
        table = inputs[0]
        if s.column not in table.df.columns:
            raise NodeExecutionError(
                f"column {s.column!r} not in the table to bin (the binning was learned on it)"
            )
        edges = list(state["edges"])
        labels = _labels(s, edges)
        values = pd.to_numeric(table.df[s.column], errors="coerce").to_numpy(dtype=float)
        # Inner edges only: values below the first or above the last edge join the end bins.
        codes = np.searchsorted(np.asarray(edges[1:-1]), values, side="right")
        codes = np.where(np.isnan(values), -1, codes)
        binned = pd.Categorical.from_codes(codes, categories=labels)
        df = table.df.assign(**{_out(s): pd.Series(binned, index=table.df.index)})
        transform = Transform(
            "binning", [s.column], state, node_type=self.type_id, settings=s.model_dump(mode="json")
        )
        return [table.with_df(df), transform]
