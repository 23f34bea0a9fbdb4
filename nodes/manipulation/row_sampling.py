"""Row Sampling: a seeded random subset of rows, by count or fraction, optionally stratified."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field

from studio.core import NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.node import ColumnField
from studio.core.ports import TableSpec


class Settings(NodeSettings):
    mode: Literal["count", "fraction"] = Field(
        "fraction", description="Take a number of rows, or a share of them"
    )
    count: int = Field(100, ge=1, description="Rows to take (mode = count)")
    fraction: float = Field(0.1, gt=0, le=1, description="Share of rows to take (mode = fraction)")
    stratify: str | None = ColumnField(
        None, description="Keep the shares of this column's values (empty: plain random)"
    )
    seed: int = Field(42, ge=0, description="Random seed, so the sample is the same every run")


def _allocate(sizes: pd.Series, total: int) -> pd.Series:
    """Split `total` over groups in proportion to their sizes (largest remainder)."""
    exact = sizes / sizes.sum() * total
    base = np.floor(exact).astype(int)
    rest = total - int(base.sum())
    order = (exact - base).sort_values(ascending=False, kind="stable").index[:rest]
    base[order] += 1
    return base.clip(upper=sizes)


class RowSampling(NodeType):
    type_id = "manipulation.row_sampling"
    name = "Row Sampling"
    category = "Manipulation"
    description = "Takes a seeded random sample of rows (a count or a fraction), optionally keeping a column's class shares."
    keywords = ("sample", "random", "subset", "downsample", "stratified", "rows")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec: TableSpec = specs[0]
        spec.require(s.stratify, setting="stratify")
        return [spec]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        df = table.df
        n = min(s.count, len(df)) if s.mode == "count" else int(round(len(df) * s.fraction))
        if s.stratify is None:
            rng = np.random.default_rng(s.seed)
            picked = np.sort(rng.choice(len(df), size=n, replace=False))
            return [table.with_df(df.iloc[picked])]
        table.spec().require(s.stratify, setting="stratify")
        groups = df[s.stratify].astype(object).where(df[s.stratify].notna(), "(missing)")
        sizes = groups.value_counts(sort=False)
        quota = _allocate(sizes, n)
        rng = np.random.default_rng(s.seed)
        positions = np.arange(len(df))
        picked = []
        for value in sizes.index:
            members = positions[(groups == value).to_numpy()]
            picked.append(rng.choice(members, size=int(quota[value]), replace=False))
        chosen = np.sort(np.concatenate(picked)) if picked else positions[:0]
        if len(chosen) == 0 and len(df) > 0:
            raise NodeExecutionError("the sample is empty: raise 'count' or 'fraction'")
        return [table.with_df(df.iloc[chosen])]
