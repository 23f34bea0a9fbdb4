"""Partitioning: split rows into train, test and (optionally) validation sets."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator
from sklearn.model_selection import GroupShuffleSplit, train_test_split

from studio.core import ConfigureError, NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.node import ColumnField


class Settings(NodeSettings):
    train_fraction: float = Field(0.7, gt=0, lt=1, description="Share of rows for training")
    validation_fraction: float = Field(
        0.0, ge=0, lt=1, description="Share of rows for validation (0: no validation set)"
    )
    method: Literal["random", "stratified", "grouped", "time"] = Field(
        "stratified",
        description="random; stratified keeps class shares (of a numeric column with many "
        "values: of its deciles); grouped keeps a group's rows together; time puts the latest rows last",
    )
    column: str | None = ColumnField(
        None, description="Class column (stratified), group column (grouped) or time column (time)"
    )
    seed: int = Field(42, ge=0, description="Random seed, so the split is the same every run")

    @model_validator(mode="after")
    def _fractions(self) -> Settings:
        if self.train_fraction + self.validation_fraction >= 1:
            raise ValueError(
                "train_fraction + validation_fraction must leave rows for the test set"
            )
        return self


def _split_indices(s: Settings, df) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(df)
    idx = np.arange(n)
    test_frac = 1 - s.train_fraction - s.validation_fraction
    held = test_frac + s.validation_fraction
    if n < 3:
        raise NodeExecutionError(f"cannot partition {n} rows: need at least 3")
    if s.method == "time":
        order = np.argsort(df[s.column].to_numpy(), kind="stable")
        n_train = int(round(n * s.train_fraction))
        n_val = int(round(n * s.validation_fraction))
        return order[:n_train], order[n_train + n_val :], order[n_train : n_train + n_val]
    if s.method == "grouped":
        groups = df[s.column].to_numpy()
        tr, rest = next(
            GroupShuffleSplit(n_splits=1, test_size=held, random_state=s.seed).split(
                idx, groups=groups
            )
        )
        if s.validation_fraction == 0:
            return tr, rest, idx[:0]
        te_rel, va_rel = next(
            GroupShuffleSplit(
                n_splits=1, test_size=s.validation_fraction / held, random_state=s.seed
            ).split(rest, groups=groups[rest])
        )
        return tr, rest[te_rel], rest[va_rel]
    strata = _strata(df[s.column]) if s.method == "stratified" else None
    strat = strata.to_numpy() if strata is not None else None
    if strata is not None:
        need = 3 if s.validation_fraction > 0 else 2
        counts = strata.value_counts(dropna=False)
        rare = counts[counts < need]
        if len(rare):
            shown = ", ".join(
                f"{k!r} ({v} row{'s' if v > 1 else ''})" for k, v in rare.head(5).items()
            )
            raise NodeExecutionError(
                f"cannot stratify on {s.column!r}: class(es) {shown} have fewer than {need} rows, so they "
                f"cannot appear in every set: use method 'random', or filter out or merge the rare classes"
            )
    try:
        tr, rest = train_test_split(idx, test_size=held, random_state=s.seed, stratify=strat)
        if s.validation_fraction == 0:
            return np.sort(tr), np.sort(rest), idx[:0]
        te, va = train_test_split(
            rest,
            test_size=s.validation_fraction / held,
            random_state=s.seed,
            stratify=strat[rest] if strat is not None else None,
        )
    except ValueError as exc:
        if strat is not None and "least populated" in str(exc):
            raise NodeExecutionError(
                f"cannot stratify on {s.column!r}: a class has too few rows for every set ({exc}): "
                f"use method 'random', or filter out or merge the rare classes"
            ) from None
        raise NodeExecutionError(
            f"cannot split {n} rows with train_fraction={s.train_fraction} and "
            f"validation_fraction={s.validation_fraction}: a set would be empty; use more rows or "
            f"set validation_fraction to 0"
        ) from None
    return np.sort(tr), np.sort(te), np.sort(va)


MAX_CLASSES = 20  # a numeric column with more distinct values is a quantity, not class codes
BINS = 10


def _strata(column):
    """What a stratified split keeps the shares of: the classes, or for a numeric column
    with many values (a regression target) its deciles, so every set spans its range."""
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if not numeric or column.nunique() <= MAX_CLASSES:
        return column
    bins = pd.qcut(column.rank(method="first"), BINS, labels=False)
    return bins.fillna(-1).astype(int)


class Partitioning(NodeType):
    type_id = "validation.partitioning"
    name = "Partitioning"
    category = "Split and validate"
    description = "Splits rows into train, test and validation sets: random, stratified, grouped or time-ordered, seeded."
    keywords = ("split", "train", "test", "holdout", "validation", "stratify", "sample")
    inputs = (Port("table", PortType.TABLE),)
    outputs = (
        Port("train", PortType.TABLE),
        Port("test", PortType.TABLE),
        Port("validation", PortType.TABLE),
    )
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        spec = specs[0]
        if s.method != "random":
            if not s.column:
                if (
                    s.method == "stratified"
                    and spec is not None
                    and spec.columns_with_role("target")
                ):
                    pass  # falls back to the target column
                else:
                    raise ConfigureError(f"method '{s.method}' needs a column", where="column")
            if spec is not None:
                spec.require(s.column, setting="column")
                column = spec.column(s.column or spec.target() or "")
                if s.method == "stratified" and column is not None and column.dtype == "datetime":
                    raise ConfigureError(
                        f"cannot stratify on the date/time column {column.name!r}: choose method "
                        f"'time' to put the latest rows last, or 'random'",
                        where="method",
                    )
        return [spec, spec, spec]

    def execute(self, s: Settings, inputs, ctx):
        table = inputs[0]
        if s.method == "stratified" and not s.column:
            s = s.model_copy(update={"column": table.target()})
        tr, te, va = _split_indices(s, table.df)
        df = table.df
        return [table.with_df(df.iloc[tr]), table.with_df(df.iloc[te]), table.with_df(df.iloc[va])]
