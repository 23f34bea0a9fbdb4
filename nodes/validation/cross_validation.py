"""Cross-Validation: rerun a learner's settings over k folds to see how much its score
depends on which rows it saw; reports per-fold scores and pooled out-of-fold predictions."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field, field_validator
from sklearn.base import clone
from sklearn.model_selection import cross_validate

from nodes.scoring.predictor import probability_column
from studio.core import (
    ConfigureError,
    Metrics,
    NodeExecutionError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
)
from studio.core.node import ColumnField
from studio.core.ports import ColumnSpec, ModelSpec, TableSpec

from .resampling import (
    NEEDS_PROBABILITIES,
    FoldMethod,
    default_scores,
    fold_plan,
    model_rows,
    public_score,
    require_fold_column,
    require_model_columns,
    require_supervised,
    sklearn_scorer,
    splitter,
)


class Settings(NodeSettings):
    method: FoldMethod = Field(
        "stratified",
        description="kfold; stratified keeps class shares per fold; group keeps a group's rows in one fold; time_series trains on the past only",
    )
    folds: int = Field(5, ge=2, le=100, description="Number of folds")
    repeats: int = Field(
        1,
        ge=1,
        le=50,
        description="Cut the folds this many times on reshuffled rows (kfold, stratified): "
        "repeat × folds scores, and each row predicted once per repeat",
    )
    column: str | None = ColumnField(
        None,
        port=1,
        description="Group column (group) or time column (time_series, default: the table's order)",
    )
    shuffle: bool = Field(True, description="Shuffle rows before cutting folds (kfold, stratified)")
    seed: int = Field(42, ge=0, description="Random seed, so the folds are the same every run")
    n_jobs: int = Field(
        1,
        ge=-1,
        le=256,
        description="Folds fitted in parallel (-1: all cores, or all workers of a Dask cluster)",
    )

    @field_validator("n_jobs")
    @classmethod
    def _nonzero(cls, v: int) -> int:
        if v == 0:
            raise ValueError("n_jobs must be -1 (all cores) or a positive number")
        return v


FOLD_COLUMNS = ("fold", "train_rows", "test_rows")


class CrossValidation(NodeType):
    type_id = "validation.cross_validation"
    name = "Cross-Validation"
    category = "Split and validate"
    long_running = True
    description = "Refits a model's learner settings on k folds (k-fold, stratified, group, time series); per-fold scores and out-of-fold predictions."
    keywords = (
        "cross validation",
        "cv",
        "kfold",
        "folds",
        "resampling",
        "out of fold",
        "stratified",
        "time series",
    )
    inputs = (
        Port(
            "model",
            PortType.MODEL,
            description="Any learner's model: its settings are refitted on each fold",
        ),
        Port(
            "table",
            PortType.TABLE,
            description="Rows to cut into folds, with the model's features and target",
        ),
    )
    outputs = (
        Port("fold scores", PortType.TABLE, description="One row per fold, one column per score"),
        Port(
            "out-of-fold predictions",
            PortType.TABLE,
            description="Each row predicted by the fold model that did not see it",
        ),
        Port(
            "summary",
            PortType.METRICS,
            description="Mean and standard deviation of each score over the folds",
        ),
    )
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        model: ModelSpec | None = specs[0]
        table: TableSpec | None = specs[1]
        require_supervised(model)
        require_model_columns(model, table, "input port 'table'")
        require_fold_column(s.method, s.column, table)
        if s.repeats > 1 and s.method not in ("kfold", "stratified"):
            raise ConfigureError(
                f"repeated folds need method kfold or stratified, not {s.method}", where="repeats"
            )
        fold_cols = [
            ColumnSpec("fold", "integer"),
            ColumnSpec("train_rows", "integer"),
            ColumnSpec("test_rows", "integer"),
        ]
        fold_cols += [ColumnSpec(name, "number") for name in default_scores(model.task)]
        oof = None
        if table is not None and (model.task == "regression" or model.classes):
            added = _added_columns(model)
            cols = [c for c in table.columns if c.name not in [a.name for a in added]]
            oof = TableSpec((*cols, *added), table.roles)
        return [TableSpec(tuple(fold_cols)), oof, None]

    def execute(self, s: Settings, inputs, ctx):
        model, table = inputs
        df, groups = fold_plan(s.method, s.column, table, s.folds, model.task, model.target)
        X, y = model_rows(model, table.with_df(df))
        proba = model.task == "classification" and hasattr(model.estimator, "predict_proba")
        names = [n for n in default_scores(model.task) if proba or n not in NEEDS_PROBABILITIES]
        scoring = {n: sklearn_scorer(n, model.task) for n in names}
        ctx.progress(0.05, f"fitting {s.folds * s.repeats} folds")
        try:
            cv = cross_validate(
                clone(model.estimator),
                X,
                y,
                groups=groups,
                cv=splitter(s.method, s.folds, s.seed, s.shuffle, s.repeats),
                scoring=scoring,
                n_jobs=s.n_jobs,
                return_estimator=True,
                return_indices=True,
                error_score="raise",
            )
        except ValueError as exc:
            raise NodeExecutionError(
                f"cross-validation failed ({s.method}, {s.folds} folds): {exc} "
                "(fewer folds or another method may help)"
            ) from None
        cuts = f"{s.repeats}×{s.folds}" if s.repeats > 1 else str(s.folds)
        ctx.progress(0.8, "pooling out-of-fold predictions")
        folds = _fold_table(cv, names, model.task)
        oof = _out_of_fold(cv, df, X, model)
        summary = {"method": s.method, "folds": s.folds, "repeats": s.repeats, "rows": int(len(df))}
        for n in default_scores(model.task):
            summary[f"{n}_mean"] = float(folds[n].mean())
            summary[f"{n}_std"] = float(folds[n].std(ddof=0))
        return [
            Table(folds),
            table.with_df(oof),
            Metrics(summary, title=f"{ctx.label}: {cuts}-fold {s.method}"),
        ]


def _fold_table(cv: dict, names: list[str], task: str) -> pd.DataFrame:
    rows = []
    for i, (train_idx, test_idx) in enumerate(
        zip(cv["indices"]["train"], cv["indices"]["test"], strict=True)
    ):
        row = {"fold": i + 1, "train_rows": len(train_idx), "test_rows": len(test_idx)}
        for n in default_scores(task):
            row[n] = public_score(n, cv[f"test_{n}"][i]) if n in names else float("nan")
        rows.append(row)
    return pd.DataFrame(rows, columns=[*FOLD_COLUMNS, *default_scores(task)])


def _added_columns(model) -> list[ColumnSpec]:
    """The fold number, then the Predictor's prediction and probability columns."""
    cols = [
        ColumnSpec("fold", "integer"),
        ColumnSpec("prediction", "number" if model.task == "regression" else "string"),
    ]
    if model.task == "classification":
        cols += [ColumnSpec(probability_column(c), "number") for c in model.classes or ()]
    return cols


def _out_of_fold(cv: dict, df: pd.DataFrame, X: pd.DataFrame, model) -> pd.DataFrame:
    """Predict each test fold with the estimator fitted without it; columns as the Predictor's."""
    added = [c.name for c in _added_columns(model)]
    parts, positions = [], []
    for i, (est, test_idx) in enumerate(zip(cv["estimator"], cv["indices"]["test"], strict=True)):
        Xt = X.iloc[test_idx]
        new = {"fold": np.full(len(test_idx), i + 1), "prediction": est.predict(Xt)}
        if model.task == "classification" and hasattr(est, "predict_proba"):
            proba = est.predict_proba(Xt)
            seen = {c: j for j, c in enumerate(est.classes_)}
            for c in model.classes or ():
                # a class missing from a training fold gets probability 0 in that fold
                new[probability_column(c)] = (
                    proba[:, seen[c]] if c in seen else np.zeros(len(test_idx))
                )
        part = df.iloc[test_idx].drop(columns=added, errors="ignore")
        parts.append(part.assign(**{k: pd.Series(v, index=part.index) for k, v in new.items()}))
        positions.append(test_idx)
    # back to the input's row order (time series: time order; its first block is never predicted)
    return pd.concat(parts).iloc[np.argsort(np.concatenate(positions), kind="stable")]
