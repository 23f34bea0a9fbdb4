"""What the validation nodes share: the rows a model was built for, the fold splitter
and the score names analysts pick, so every node reads a model's data the same way."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    RepeatedKFold,
    RepeatedStratifiedKFold,
    StratifiedKFold,
    TimeSeriesSplit,
)

from nodes.learners.base import SupervisedLearner, learner_base
from studio.core import ConfigureError, Model, NodeExecutionError, Table
from studio.core.ports import ModelSpec, TableSpec

FoldMethod = Literal["kfold", "stratified", "group", "time_series"]
ScoreName = Literal[
    "auto", "accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "log_loss", "r2", "mae", "rmse"
]


def roc_auc_ovr(estimator, X, y) -> float:
    """Macro one-vs-rest ROC AUC that tolerates folds missing a class (time series, small
    groups): classes absent from training score 0, classes absent from the truth are skipped."""
    proba = estimator.predict_proba(X)
    y = np.asarray(y)
    column = {c: j for j, c in enumerate(estimator.classes_)}
    aucs = []
    for c in pd.unique(y):
        positive = y == c
        if positive.all():
            continue
        aucs.append(
            roc_auc_score(positive, proba[:, column[c]] if c in column else np.zeros(len(y)))
        )
    return float(np.mean(aucs)) if aucs else float("nan")


# Friendly score names -> scikit-learn scorer strings. Errors are negated by scikit-learn
# ("neg_..."), so every scorer is "higher is better"; `public_score` flips them back.
CLASSIFICATION_SCORES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced_accuracy",
    "f1_macro": "f1_macro",
    "roc_auc": roc_auc_ovr,
    "log_loss": "neg_log_loss",
}
REGRESSION_SCORES = {
    "r2": "r2",
    "mae": "neg_mean_absolute_error",
    "rmse": "neg_root_mean_squared_error",
}
NEEDS_PROBABILITIES = ("roc_auc", "log_loss")
LOWER_IS_BETTER = ("log_loss", "mae", "rmse")


def require_supervised(spec: ModelSpec | None, port: str = "input port 'model'") -> None:
    """Validation needs a target to score against: clustering models cannot be validated."""
    if spec is not None and (
        not issubclass(learner_base(spec.task), SupervisedLearner) or not spec.target
    ):
        raise ConfigureError(
            f"a {spec.task} model has no target to validate against: connect a classifier or regressor",
            where=port,
        )


def require_model_columns(model: ModelSpec | None, table: TableSpec | None, port: str) -> None:
    """Fail configure when a table lacks the model's features or target."""
    if model is None or table is None:
        return
    wanted = [*model.features, *([model.target] if model.target else [])]
    missing = [c for c in wanted if c not in table.names]
    if missing:
        raise ConfigureError(
            f"the table lacks the model's column(s) {', '.join(map(repr, missing))}: give it the same columns "
            f"(and the same preprocessing) as the training table",
            where=port,
        )


def require_model_data(model: Model, table: Table, port: str = "table") -> None:
    """Fail with the missing column names when a table lacks the model's features or target."""
    missing = [c for c in [*model.features, model.target] if c not in table.df.columns]
    if missing:
        raise NodeExecutionError(
            f"the {port} table lacks the model's column(s) {', '.join(map(repr, missing))}: "
            f"give it the same columns (and the same preprocessing) as the training table"
        )


def model_rows(model: Model, table: Table, port: str = "table") -> tuple[pd.DataFrame, pd.Series]:
    """The model's feature columns and target of a table, refusing what scikit-learn would choke on."""
    require_model_data(model, table, port)
    df = table.df
    if len(df) == 0:
        raise NodeExecutionError(f"the {port} table is empty (check the filters upstream)")
    y = df[model.target]
    if y.isna().any():
        raise NodeExecutionError(
            f"the target column {model.target!r} of the {port} table has {int(y.isna().sum())} missing values: filter those rows out first"
        )
    return df[model.features], y


def score_choice(name: str, task: str, setting: str = "scoring") -> str:
    """Resolve 'auto' and refuse a score that does not fit the model's task."""
    if name == "auto":
        return "balanced_accuracy" if task == "classification" else "r2"
    allowed = CLASSIFICATION_SCORES if task == "classification" else REGRESSION_SCORES
    if name not in allowed:
        raise ConfigureError(
            f"{name!r} is not a {task} score; choose one of {', '.join(allowed)}", where=setting
        )
    return name


def sklearn_scorer(name: str, task: str):
    return (CLASSIFICATION_SCORES if task == "classification" else REGRESSION_SCORES)[name]


def public_score(name: str, value: float) -> float:
    """Undo scikit-learn's sign flip so errors read as errors (an RMSE of 3, not -3)."""
    return -float(value) if name in LOWER_IS_BETTER else float(value)


def default_scores(task: str) -> list[str]:
    """The per-fold scores reported for a task (probability scores only where available)."""
    if task == "classification":
        return ["accuracy", "balanced_accuracy", "f1_macro", "roc_auc"]
    return ["r2", "mae", "rmse"]


def splitter(method: str, folds: int, seed: int, shuffle: bool = True, repeats: int = 1):
    """A scikit-learn splitter for the method; seeded so the folds are the same every run.
    `repeats` > 1 (kfold, stratified) cuts the k folds again on reshuffled rows."""
    if repeats > 1 and method == "stratified":
        return RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    if repeats > 1 and method == "kfold":
        return RepeatedKFold(n_splits=folds, n_repeats=repeats, random_state=seed)
    if method == "stratified":
        return StratifiedKFold(
            n_splits=folds, shuffle=shuffle, random_state=seed if shuffle else None
        )
    if method == "group":
        return GroupKFold(n_splits=folds)
    if method == "time_series":
        return TimeSeriesSplit(n_splits=folds)
    return KFold(n_splits=folds, shuffle=shuffle, random_state=seed if shuffle else None)


def require_fold_column(
    method: str, column: str | None, spec: TableSpec | None, setting: str = "column"
) -> None:
    if method == "group" and not column:
        raise ConfigureError(
            "grouped folds need the column whose values keep rows together", where=setting
        )
    if spec is not None:
        spec.require(column, setting=setting)


def fold_plan(
    method: str, column: str | None, table: Table, folds: int, task: str, target: str | None = None
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Order the rows for the method (time order for time series) and return the groups.

    Fails with a message naming the cause when there are too few rows or classes for the folds.
    """
    df = table.df
    if method == "time_series" and column:
        df = df.iloc[np.argsort(df[column].to_numpy(), kind="stable")]
    if len(df) < folds + (1 if method == "time_series" else 0):
        raise NodeExecutionError(f"{len(df)} rows are too few for {folds} folds: lower 'folds'")
    groups = None
    if method == "group":
        groups = df[column].to_numpy()
        n_groups = len(pd.unique(groups))
        if n_groups < folds:
            raise NodeExecutionError(
                f"column {column!r} has {n_groups} groups, fewer than the {folds} folds: lower 'folds'"
            )
    if method == "stratified" and task != "classification":
        raise NodeExecutionError(
            "stratified folds need a classification target: use method 'kfold' for regression"
        )
    if method == "stratified" and target is not None and target in df.columns:
        counts = df[target].value_counts()
        rare = counts[counts < folds]
        if len(rare):
            shown = ", ".join(
                f"{k!r} ({v} row{'s' if v != 1 else ''})" for k, v in rare.head(5).items()
            )
            raise NodeExecutionError(
                f"stratified folds put every class of {target!r} in each of the {folds} folds, but "
                f"class(es) {shown} have fewer rows than that: lower 'folds' to at most "
                f"{int(counts.min())}, or use method 'kfold'"
            )
    return df, groups
