"""Category Encoder: turn text and category columns into numbers a learner can take,
one-hot (a 0/1 column per category) or ordinal (one integer code per category).

The categories are learned on the training rows; a value first seen later (in test
rows or in production) is handled by the `unseen` setting, never silently re-coded.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from studio.core import ConfigureError, ExecutionContext, NodeExecutionError, NodeSettings, Table
from studio.core.node import ColumnsField
from studio.core.ports import ColumnSpec, TableSpec
from studio.core.scalars import python_scalar

from .base import PreprocessingNode, pick_columns, replace_dtypes

TEXT_KINDS = ("string", "category")
UNSEEN_SUFFIX = "__unseen__"
UNSEEN_CODE = -1


class Settings(NodeSettings):
    method: Literal["one_hot", "ordinal"] = Field(
        "one_hot",
        description="one_hot: a 0/1 column per category (<column>_<category>); ordinal: one integer code per category (0, 1, ...)",
    )
    columns: list[str] = ColumnsField(
        description="Columns to encode (default: every text and category feature column)"
    )
    unseen: Literal["ignore", "error", "reserved"] = Field(
        "ignore",
        description=(
            "A value not seen in training: ignore gives all-zero one-hot columns (ordinal code -1); error stops and names "
            f"the column and value; reserved gives it its own column <column>_{UNSEEN_SUFFIX} (ordinal code -1)"
        ),
    )
    max_categories: int = Field(
        100,
        ge=2,
        le=10_000,
        description="Refuse a column with more distinct values than this (likely an id, not a category)",
    )


def one_hot_names(column: str, categories: list[Any], reserved: bool) -> list[str]:
    names = [f"{column}_{c}" for c in categories]
    return [*names, f"{column}_{UNSEEN_SUFFIX}"] if reserved else names


def _check_count(column: str, n: int, limit: int) -> None:
    if n > limit:
        raise ConfigureError(
            f"column {column!r} has {n} distinct values, more than max_categories={limit}: it looks like an id or free text; "
            f"leave it out of the columns or raise max_categories",
            where="columns",
        )


def _learn_categories(series: pd.Series) -> list[Any]:
    """The categories in a stable order: the dtype's own order, or sorted by text."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [python_scalar(c) for c in series.cat.categories]
    return sorted((python_scalar(v) for v in pd.unique(series.dropna())), key=str)


class CategoryEncoder(PreprocessingNode):
    type_id = "preprocessing.category_encoder"
    name = "Category Encoder"
    description = "Encodes text and category columns one-hot or as ordinal codes, with a setting for categories unseen in training."
    keywords = (
        "category",
        "categorical",
        "one-hot",
        "onehot",
        "dummy",
        "ordinal",
        "encode",
        "encoder",
        "label",
    )
    kind = "category_encoder"
    Settings = Settings

    def columns_for(self, s: Settings, spec: TableSpec) -> list[str]:
        return pick_columns(
            spec,
            s.columns,
            "columns",
            TEXT_KINDS,
            (*TEXT_KINDS, "boolean", "integer"),
            "text, category, boolean or integer",
        )

    def output_spec(self, s: Settings, spec: TableSpec, columns: list[str]) -> TableSpec | None:
        if s.method == "ordinal":
            return replace_dtypes(spec, columns, "integer")
        layout: dict[str, list[Any]] = {}
        for col in columns:
            cats = spec.column(col).categories
            if cats is None:
                return None  # the categories are only known from the data
            _check_count(col, len(cats), s.max_categories)
            layout[col] = list(cats)
        return _one_hot_spec(spec, layout, s.unseen == "reserved")

    def learn(
        self, s: Settings, table: Table, columns: list[str], ctx: ExecutionContext
    ) -> dict[str, Any]:
        categories = {}
        for col in columns:
            cats = _learn_categories(table.df[col])
            try:
                _check_count(col, len(cats), s.max_categories)
            except ConfigureError as exc:
                raise NodeExecutionError(exc.message, where=exc.where) from None
            categories[col] = cats
        return {"categories": categories}

    def transform(self, s: Settings, state: dict[str, Any], table: Table) -> pd.DataFrame:
        df = table.df
        encoded: dict[str, pd.DataFrame] = {}
        for col, cats in state["categories"].items():
            series = df[col]
            codes = pd.Index(cats, dtype=object).get_indexer(series.astype(object))
            unseen = (codes == -1) & series.notna().to_numpy()
            if unseen.any() and s.unseen == "error":
                values = list(dict.fromkeys(series[unseen].astype(str)))[:5]
                raise NodeExecutionError(
                    f"column {col!r} has value(s) {', '.join(map(repr, values))} not seen when {state.get('fitted_by', self.name)!r} "
                    f"was fitted: set unseen to 'ignore' or 'reserved', or fit on rows that include them"
                )
            if s.method == "ordinal":
                out = codes.astype("float64")
                out[series.isna().to_numpy()] = np.nan
                column = pd.Series(out, index=df.index)
                encoded[col] = pd.DataFrame(
                    {col: column if column.isna().any() else column.astype("int64")}
                )
                continue
            onehot = (codes[:, None] == np.arange(len(cats))[None, :]).astype("int64")
            if s.unseen == "reserved":
                onehot = np.column_stack([onehot, unseen.astype("int64")])
            encoded[col] = pd.DataFrame(
                onehot, index=df.index, columns=one_hot_names(col, cats, s.unseen == "reserved")
            )
        if not encoded:
            return df
        # One dict of columns, one frame: far cheaper than concatenating a frame per column,
        # which matters when a deployed service scores one row at a time.
        names: list[str] = []
        columns: list[Any] = []
        for c in df.columns:
            if c in encoded:
                block = encoded[c]
                names += [str(n) for n in block.columns]
                columns += [block[n] for n in block.columns]
            else:
                names.append(str(c))
                columns.append(df[c])
        dupes = _duplicates(names)
        if dupes:
            raise NodeExecutionError(
                f"one-hot column(s) {', '.join(map(repr, dupes))} already exist in the table: rename them first"
            )
        return pd.DataFrame(dict(zip(names, columns)), index=df.index)

    def transform_arrays(self, s: Settings, state: dict[str, Any]):
        lookups = {
            col: (
                {c: i for i, c in enumerate(cats)},
                one_hot_names(col, cats, s.unseen == "reserved"),
            )
            for col, cats in state["categories"].items()
        }
        if len(set(map(type, (c for cats in state["categories"].values() for c in cats)))) > 1:
            return None  # mixed category types: pandas' index lookup decides, not a dict

        def encode(cols):
            out = {}
            for name, arr in cols.items():
                if name not in lookups:
                    if name in out:
                        return None  # a clash the graph reports
                    out[name] = arr
                    continue
                index, names = lookups[name]
                gaps = pd.isna(arr)
                codes = np.fromiter((index.get(v, -1) for v in arr.tolist()), np.int64, len(arr))
                unseen = (codes == -1) & ~gaps
                if unseen.any() and s.unseen == "error":
                    return None  # the graph names the unseen values
                if s.method == "ordinal":
                    if gaps.any():
                        codes = codes.astype(np.float64)
                        codes[gaps] = np.nan
                    out[name] = codes
                    continue
                onehot = (codes[:, None] == np.arange(len(index))[None, :]).astype(np.int64)
                if s.unseen == "reserved":
                    onehot = np.column_stack([onehot, unseen.astype(np.int64)])
                for k, n in enumerate(names):
                    if n in out:
                        return None
                    out[n] = onehot[:, k]
            return out

        return encode


def _duplicates(names: list[str]) -> list[str]:
    return sorted(n for n, k in Counter(names).items() if k > 1)


def _one_hot_spec(spec: TableSpec, layout: dict[str, list[Any]], reserved: bool) -> TableSpec:
    cols: list[ColumnSpec] = []
    for c in spec.columns:
        if c.name in layout:
            cols += [
                ColumnSpec(n, "integer") for n in one_hot_names(c.name, layout[c.name], reserved)
            ]
        else:
            cols.append(c)
    dupes = _duplicates([c.name for c in cols])
    if dupes:
        raise ConfigureError(
            f"one-hot column(s) {', '.join(map(repr, dupes))} already exist in the table: rename them first",
            where="columns",
        )
    return TableSpec(tuple(cols), spec.roles)
