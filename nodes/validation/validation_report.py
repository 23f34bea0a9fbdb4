"""Validation Report: the checks that catch a poor model choice before it is deployed
(no held-out set, overfitting, a weak score, unstable folds, target leakage and row leaks
in leakage.py and row_leaks.py, imbalance), each pass/warn/fail with its number, stored
in the Model so deployment carries it."""

from __future__ import annotations

import dataclasses
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field
from sklearn.metrics import get_scorer, mean_squared_error

from studio.core import (
    ConfigureError,
    Metrics,
    Model,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
)
from studio.core.fingerprint import row_hashes
from studio.core.ports import ColumnSpec, ModelSpec, TableSpec

from .leakage import leakage_check
from .resampling import (
    model_rows,
    require_model_columns,
    require_model_data,
    require_supervised,
    score_choice,
    sklearn_scorer,
)
from .row_leaks import row_leak_checks
from .verdicts import check as _check

STATUS_ORDER = ("pass", "warn", "fail")
REPORT_COLUMNS = (
    ColumnSpec("check", "string"),
    ColumnSpec("status", "string"),
    ColumnSpec("value", "number"),
    ColumnSpec("threshold", "number"),
    ColumnSpec("message", "string"),
)


class Settings(NodeSettings):
    metric: Literal["auto", "accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "r2"] = Field(
        "auto",
        description="Score compared across sets (higher is better); auto: balanced accuracy or R²",
    )
    max_gap: float = Field(
        0.10,
        ge=0,
        le=1,
        description="Overfitting: fail when train score minus held-out score exceeds this (warn above half)",
    )
    min_score: float = Field(
        0.6, ge=-1, le=1, description="Floor: fail when a held-out score is below this"
    )
    max_error_ratio: float = Field(
        1.5,
        ge=1,
        description="Overfitting (regression): fail when the held-out RMSE exceeds this multiple "
        "of the training RMSE (warn above halfway to it)",
    )
    max_cv_std: float = Field(
        0.05,
        ge=0,
        le=1,
        description="Fold spread: fail when the folds' standard deviation exceeds this (warn above half)",
    )
    max_overlap: float = Field(
        0.01,
        ge=0,
        le=1,
        description="Share of held-out rows also found in training tolerated with a warning; above it: fail",
    )
    leakage_threshold: float = Field(
        0.98,
        gt=0,
        le=1,
        description="Leakage: fail when one feature alone scores this well on held-out rows (warn within 0.05)",
    )
    leakage_share: float = Field(
        0.95,
        gt=0,
        le=1,
        description="Leakage: fail when one feature alone reaches this share of the model's held-out score...",
    )
    leakage_margin: float = Field(
        0.10,
        ge=0,
        le=1,
        description="...and beats the next best single feature by at least this much",
    )
    leakage_drop: float = Field(
        0.4,
        gt=0,
        le=1,
        description="Leakage: fail when refitting without one feature loses this share of the model's lead over chance",
    )
    duplicate_tolerance: float = Field(
        0.001,
        ge=0,
        le=1,
        description="Near-duplicates: held-out rows whose numbers all lie within this many standard deviations of a training row's (text compared case- and space-blind); 0: off",
    )
    min_class_ratio: float = Field(
        0.2,
        ge=0,
        le=1,
        description="Imbalance: warn when the rarest class is rarer than this share of the commonest",
    )


def _graded(value: float, limit: float) -> str:
    """Above the limit fails; above half of it warns (the model is drifting that way)."""
    return "fail" if value > limit else "warn" if value > limit / 2 else "pass"


def worst(statuses: list[str]) -> str:
    return max(statuses, key=STATUS_ORDER.index, default="pass")


class ValidationReport(NodeType):
    type_id = "validation.validation_report"
    name = "Validation Report"
    category = "Split and validate"
    description = (
        "Checks a model before deployment: held-out rows unseen in training, overfitting gap, score floor, "
        "fold spread, target leakage (absolute, relative, drop-column), near-duplicate rows, id-like features, "
        "time order and class imbalance; pass/warn/fail with numbers, stored in the model."
    )
    keywords = (
        "validation",
        "report",
        "overfitting",
        "leakage",
        "holdout",
        "gate",
        "policy",
        "imbalance",
        "quality",
    )
    inputs = (
        Port("model", PortType.MODEL),
        Port("train", PortType.TABLE, description="The rows the model was fitted on"),
        Port("test", PortType.TABLE, description="Held-out rows never used in fitting"),
        Port(
            "validation",
            PortType.TABLE,
            optional=True,
            description="A second held-out set (e.g. used for tuning)",
        ),
        Port(
            "fold scores",
            PortType.TABLE,
            optional=True,
            description="Cross-Validation's per-fold scores",
        ),
    )
    outputs = (
        Port(
            "report",
            PortType.TABLE,
            description="One row per check: status, value, threshold, message",
        ),
        Port("result", PortType.METRICS, description='{"status": worst, "checks": [...]}'),
        Port(
            "model",
            PortType.MODEL,
            description="The input model with its validation result attached",
        ),
    )
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        model: ModelSpec | None = specs[0]
        require_supervised(model)
        for port, spec in zip(("train", "test", "validation"), specs[1:4], strict=True):
            require_model_columns(model, spec, f"input port '{port}'")
        folds: TableSpec | None = specs[4]
        if model is not None:
            metric = score_choice(s.metric, model.task, "metric")
            if folds is not None and metric not in folds.names:
                raise ConfigureError(
                    f"the fold scores have no {metric!r} column (columns: {', '.join(folds.names)}): connect Cross-Validation's fold scores",
                    where="input port 'fold scores'",
                )
        return [TableSpec(REPORT_COLUMNS), None, model]

    def execute(self, s: Settings, inputs, ctx):
        model: Model = inputs[0]
        train, test, validation, folds = inputs[1:]
        metric = score_choice(s.metric, model.task, "metric")
        scorer = sklearn_scorer(metric, model.task)
        scorer = get_scorer(scorer) if isinstance(scorer, str) else scorer
        X_train, y_train = model_rows(model, train, "train")
        train_score = float(scorer(model.estimator, X_train, y_train))
        held = {"test": test, **({"validation": validation} if validation is not None else {})}
        checks: list[dict[str, Any]] = []
        scores = {"train": train_score}
        for name, table in held.items():
            require_model_data(model, table, name)
            checks.append(_overlap_check(name, model, train, table, s.max_overlap))
            if len(table.df) == 0:
                continue
            X, y = model_rows(model, table, name)
            score = float(scorer(model.estimator, X, y))
            scores[name] = score
            gap = train_score - score
            checks.append(
                _check(
                    f"overfitting ({name})",
                    _graded(gap, s.max_gap),
                    gap,
                    s.max_gap,
                    f"{metric} {train_score:.3f} on train vs {score:.3f} on {name}: gap {gap:+.3f} (limit {s.max_gap:.3f})",
                )
            )
            if model.task == "regression":
                checks.append(_error_ratio_check(name, model, (X_train, y_train), (X, y), s))
            checks.append(
                _check(
                    f"score floor ({name})",
                    "fail" if score < s.min_score else "pass",
                    score,
                    s.min_score,
                    f"{metric} on {name} is {score:.3f}, {'below' if score < s.min_score else 'at or above'} the floor {s.min_score:.3f}",
                )
            )
        if folds is not None:
            checks.append(_cv_check(folds.df, metric, s.max_cv_std))
        ctx.progress(0.6, "looking for target leakage")
        probe = validation if validation is not None and len(validation.df) else test
        if len(probe.df):
            checks.append(leakage_check(model, train, probe, s))
        checks.extend(row_leak_checks(model, train, held, s))
        if model.task == "classification":
            checks.append(_imbalance_check(y_train, s.min_class_ratio))
        result = {
            "status": worst([c["status"] for c in checks]),
            "metric": metric,
            "scores": scores,
            "checks": checks,
        }
        report = pd.DataFrame(
            [{**c, "value": np.nan if c["value"] is None else c["value"]} for c in checks],
            columns=[c.name for c in REPORT_COLUMNS],
        ).astype({"value": float, "threshold": float})
        validated = dataclasses.replace(model, metrics=dict(model.metrics), validation=result)
        return [Table(report), Metrics(result, title=f"{ctx.label}: {result['status']}"), validated]


def _overlap_check(
    name: str, model: Model, train: Table, held: Table, limit: float
) -> dict[str, Any]:
    """Held-out rows also among the rows the model was fitted on: the fingerprint the
    learner recorded when there is one (whatever was wired to `train`), else `train`."""
    n = len(held.df)
    if n == 0:
        return _check(
            f"held-out rows ({name})",
            "fail",
            0.0,
            limit,
            f"the {name} table is empty: hold out rows the model never sees",
        )
    cols = [*model.features, model.target]
    fitted = model.fit_rows is not None
    seen = model.fit_rows if fitted else row_hashes(train.df, cols)
    shared = int(np.isin(row_hashes(held.df, cols), seen).sum())
    share = shared / n
    status = "pass" if shared == 0 else "warn" if share <= limit else "fail"
    where = "the rows the model was fitted on" if fitted else "the training rows"
    return _check(
        f"held-out rows ({name})",
        status,
        share,
        limit,
        f"{shared} of {n} {name} rows ({share:.1%}) also appear in {where}"
        + (
            ""
            if shared == 0
            else ": split before any row is duplicated, and never fit on held-out rows"
        ),
    )


def _error_ratio_check(
    name: str, model: Model, train: tuple[Any, Any], held: tuple[Any, Any], s: Settings
) -> dict[str, Any]:
    """Regression overfitting by relative error: an R² gap of 0.04 hides a held-out RMSE
    far above the training RMSE when the target varies a lot (a tree that memorised)."""
    rmse = {
        side: float(np.sqrt(mean_squared_error(y, model.estimator.predict(X))))
        for side, (X, y) in (("train", train), (name, held))
    }
    limit = s.max_error_ratio
    check = f"overfitting error ratio ({name})"
    if rmse["train"] == 0:
        if rmse[name] == 0:
            return _check(check, "pass", 1.0, limit, f"rmse 0 on train and on {name}")
        return _check(
            check,
            "fail",
            None,
            limit,
            f"rmse 0.000 on train vs {rmse[name]:.4g} on {name}: the model memorised its "
            f"training rows; limit its depth or leaf size, or regularise it",
        )
    ratio = rmse[name] / rmse["train"]
    status = "fail" if ratio > limit else "warn" if ratio > 1 + (limit - 1) / 2 else "pass"
    return _check(
        check,
        status,
        ratio,
        limit,
        f"rmse {rmse['train']:.4g} on train vs {rmse[name]:.4g} on {name}: held-out error "
        f"{ratio:.2f}× the training error (limit {limit:g}×)",
    )


def _cv_check(folds: pd.DataFrame, metric: str, limit: float) -> dict[str, Any]:
    values = folds[metric].dropna().to_numpy(dtype=float)
    if len(values) < 2:
        return _check(
            "cv spread",
            "warn",
            None,
            limit,
            f"fewer than 2 folds have a {metric} score: the spread cannot be judged",
        )
    std = float(values.std())
    return _check(
        "cv spread",
        _graded(std, limit),
        std,
        limit,
        f"{metric} over {len(values)} folds: mean {values.mean():.3f}, std {std:.3f} (limit {limit:.3f})",
    )


def _imbalance_check(y: pd.Series, limit: float) -> dict[str, Any]:
    counts = y.astype(str).value_counts()
    ratio = float(counts.iloc[-1] / counts.iloc[0])
    return _check(
        "class imbalance",
        "warn" if ratio < limit else "pass",
        ratio,
        limit,
        f"rarest class {counts.index[-1]!r} has {counts.iloc[-1]} training rows, commonest {counts.index[0]!r} has {counts.iloc[0]} "
        f"(ratio {ratio:.2f})"
        + (
            ": consider class weights, stratified splits and balanced accuracy"
            if ratio < limit
            else ""
        ),
    )
