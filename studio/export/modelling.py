"""Emitters for learners, Parameter Search, Cross-Validation, the Predictor and the Scorer,
and the scikit-learn source of a fitted estimator's constructor."""

from __future__ import annotations

import importlib
import math
from typing import TYPE_CHECKING, Any

from sklearn.base import BaseEstimator

from .script import literal

if TYPE_CHECKING:
    from .emit import Emit

PREDICTED = '''
def predicted(model, rows, features, column="prediction", probabilities=True, shown=None):
    """The Predictor's output: the rows (or `shown`, the same rows as the scope's steps
    leave them), then the prediction and one probability per class."""
    X = rows if features is None else rows[features]
    new = {column: model.predict(X)}
    if probabilities and is_classifier(model) and hasattr(model, "predict_proba"):
        for label, p in zip(model.classes_, model.predict_proba(X).T):
            new[f"probability_{label}"] = p
    shown = rows if shown is None else shown
    extra = pd.DataFrame(new, index=shown.index)
    kept = shown.drop(columns=[c for c in extra.columns if c in shown.columns])
    return pd.concat([kept, extra], axis=1)
'''

CLASSIFICATION_SCORES = '''
def classification_scores(truth: pd.Series, predictions: pd.Series, proba: pd.DataFrame) -> dict:
    """Accuracy, precision, recall and F1 (binary, else macro); ROC AUC and log loss from
    the probability columns, as the workflow's Scorer computes them."""
    y_true, y_pred = truth.astype(str), predictions.astype(str)
    labels = sorted(pd.unique(pd.concat([y_true, y_pred])).tolist())
    kw = {"average": "binary" if len(labels) == 2 else "macro", "zero_division": 0}
    if len(labels) == 2:
        kw["pos_label"] = labels[-1]
    out = {
        "accuracy": metrics.accuracy_score(y_true, y_pred),
        "precision": metrics.precision_score(y_true, y_pred, **kw),
        "recall": metrics.recall_score(y_true, y_pred, **kw),
        "f1": metrics.f1_score(y_true, y_pred, **kw),
    }
    wanted = [f"probability_{c}" for c in labels]
    if all(w in proba.columns for w in wanted) and len(wanted) >= 2 and y_true.nunique() >= 2:
        p = proba[wanted].to_numpy()
        if len(labels) == 2:
            out["roc_auc"] = metrics.roc_auc_score(y_true == labels[-1], p[:, -1])
        else:
            out["roc_auc"] = metrics.roc_auc_score(y_true, p, multi_class="ovr", labels=labels)
        out["log_loss"] = metrics.log_loss(y_true, p, labels=labels)
    return {k: float(v) for k, v in out.items()}
'''

REGRESSION_SCORES = '''
def regression_scores(truth: pd.Series, predictions: pd.Series) -> dict:
    """MAE, RMSE, R² and MAPE (over non-zero truths), as the workflow's Scorer computes them."""
    y_true = np.asarray(truth, dtype=float)
    y_pred = np.asarray(predictions, dtype=float)
    nonzero = y_true != 0
    return {
        "mae": float(metrics.mean_absolute_error(y_true, y_pred)),
        "rmse": float(np.sqrt(metrics.mean_squared_error(y_true, y_pred))),
        "r2": float(metrics.r2_score(y_true, y_pred)),
        "mape": float(np.mean(np.abs((y_true[nonzero] - y_pred[nonzero]) / y_true[nonzero]))),
    }
'''

ROC_AUC_OVR = '''
def roc_auc_ovr(estimator, X, y) -> float:
    """Macro one-vs-rest ROC AUC that tolerates folds missing a class."""
    proba = estimator.predict_proba(X)
    y = np.asarray(y)
    column = {c: j for j, c in enumerate(estimator.classes_)}
    aucs = [
        metrics.roc_auc_score(y == c, proba[:, column[c]] if c in column else np.zeros(len(y)))
        for c in pd.unique(y)
        if not (y == c).all()
    ]
    return float(np.mean(aucs)) if aucs else float("nan")
'''

FOLD_SUMMARY = '''
def fold_summary(result: dict, names: list, lower_is_better: tuple) -> dict:
    """Mean and spread of each score over the folds (errors as positive numbers)."""
    out = {}
    for name in names:
        key = f"test_{name}"
        scores = -result[key] if name in lower_is_better else result[key]
        out[f"{name}_mean"] = float(np.mean(scores)) if key in result else float("nan")
        out[f"{name}_std"] = float(np.std(scores)) if key in result else float("nan")
    return out
'''


# ---- an estimator as constructor source ----------------------------------------------
def public_module(cls: type) -> str:
    """The shortest importable module that exports `cls` (sklearn.linear_model, not ._logistic)."""
    parts = cls.__module__.split(".")
    for k in range(1, len(parts) + 1):
        module = ".".join(parts[:k])
        try:
            if getattr(importlib.import_module(module), cls.__name__, None) is cls:
                return module
        except ImportError:
            continue
    return cls.__module__


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b) and type(a) is type(b)
    except (TypeError, ValueError):
        return False


def estimator_source(e: Emit, estimator: Any) -> str:
    """`LogisticRegression(C=0.1, max_iter=1000)`: the class and its non-default parameters."""
    cls = type(estimator)
    module = public_module(cls)
    if not module.startswith("sklearn.") or module.split(".")[1].startswith("_"):
        e.fail(
            f"{cls.__name__} is not a public scikit-learn estimator, so the script cannot build it"
        )
    e.script.use(module, cls.__name__)
    try:
        defaults = cls().get_params(deep=False)
    except TypeError:
        defaults = {}
    args = []
    for key, value in estimator.get_params(deep=False).items():
        if key in defaults and _same(value, defaults[key]):
            continue
        if isinstance(value, BaseEstimator):
            args.append(f"{key}={estimator_source(e, value)}")
            continue
        try:
            args.append(f"{key}={literal(value)}")
        except TypeError:
            e.fail(f"{cls.__name__}'s parameter {key}={value!r} has no literal form in a script")
    return f"{cls.__name__}({', '.join(args)})"


# ---- the nodes -----------------------------------------------------------------------
def learner(e: Emit) -> None:
    model = e.output("model")
    rows = e.input("training data")
    features = e.features(model)
    built = estimator_source(e, model.estimator)
    if model.target is None:
        e.assign("model", f"{built}.fit({rows}[{features}])")
    else:
        e.assign("model", f"{built}.fit({rows}[{features}], {rows}[{e.column(model.target)}])")


def _splitter(e: Emit, method: str, folds: int, shuffle: bool = True, repeats: int = 1) -> str:
    seed = e.value("seed")
    if repeats > 1 and method in ("stratified", "kfold"):
        cls = "RepeatedStratifiedKFold" if method == "stratified" else "RepeatedKFold"
        e.script.use("sklearn.model_selection", cls)
        return f"{cls}(n_splits={folds}, n_repeats={repeats}, random_state={seed})"
    if method in ("group", "time_series"):
        cls = "GroupKFold" if method == "group" else "TimeSeriesSplit"
        e.script.use("sklearn.model_selection", cls)
        return f"{cls}(n_splits={folds})"
    cls = "StratifiedKFold" if method == "stratified" else "KFold"
    e.script.use("sklearn.model_selection", cls)
    state = seed if shuffle else "None"
    return f"{cls}(n_splits={folds}, shuffle={shuffle}, random_state={state})"


def _scorer(e: Emit, name: str, task: str) -> str:
    from nodes.validation.resampling import sklearn_scorer

    scorer = sklearn_scorer(name, task)
    if isinstance(scorer, str):
        return literal(scorer)
    e.script.use("sklearn", "metrics")
    e.script.modules.update({"import numpy as np", "import pandas as pd"})
    return e.script.helper("roc_auc_ovr", ROC_AUC_OVR)


def _fold_rows(e: Emit, method: str, column: str | None, rows: str) -> tuple[str, str]:
    """The rows in fold order (time order for time series) and the groups argument."""
    if method == "time_series" and column:
        ordered = e.script.variable(f"{rows}_in_time_order")
        e.script.line(
            f"{ordered} = {rows}.iloc[np.argsort({rows}[{literal(column)}].to_numpy(), kind='stable')]"
        )
        e.script.modules.add("import numpy as np")
        rows = ordered
    groups = f", groups={rows}[{literal(column)}].to_numpy()" if method == "group" else ""
    return rows, groups


def parameter_search(e: Emit) -> None:
    from nodes.validation.resampling import public_score, score_choice

    s = e.settings
    model = e.output("model")
    rows, groups = _fold_rows(e, s.method, s.column, e.input("table"))
    features = e.features(model)
    score = score_choice(s.scoring, model.task)
    e.script.use("sklearn.base", "clone")
    cls = "GridSearchCV" if s.mode == "grid" else "RandomizedSearchCV"
    e.script.use("sklearn.model_selection", cls)
    extra = f", n_iter={s.n_iter}, random_state={e.value('seed')}" if s.mode == "random" else ""
    search = e.script.variable(f"{e.base}_search")
    e.script.line(
        f"{search} = {cls}(\n        clone({e.input('model')}),\n"
        f"        {e.value('search_space')},\n        scoring={_scorer(e, score, model.task)},\n"
        f"        cv={_splitter(e, s.method, s.folds)},\n        n_jobs={s.n_jobs}{extra},\n"
        f'        error_score="raise",\n'
        f"    ).fit({rows}[{features}], {rows}[{e.column(model.target)}]{groups})"
    )
    e.assign("model", f"{search}.best_estimator_")
    sign = "-" if public_score(score, 1.0) < 0 else ""
    best = e.out("best")
    e.script.line(f'{best} = {{"best_score": {sign}{search}.best_score_, **{search}.best_params_}}')
    e.script.metrics.append((e.node.label, best))


def cross_validation(e: Emit) -> None:
    from nodes.validation.resampling import (
        LOWER_IS_BETTER,
        NEEDS_PROBABILITIES,
        default_scores,
    )

    s = e.settings
    model = e.input_value("model")
    rows, groups = _fold_rows(e, s.method, s.column, e.input("table"))
    features = e.features(model)
    proba = model.task == "classification" and hasattr(model.estimator, "predict_proba")
    names = [n for n in default_scores(model.task) if proba or n not in NEEDS_PROBABILITIES]
    scoring = "{" + ", ".join(f"{literal(n)}: {_scorer(e, n, model.task)}" for n in names) + "}"
    e.script.use("sklearn.base", "clone")
    e.script.use("sklearn.model_selection", "cross_validate")
    e.script.modules.add("import numpy as np")
    e.script.helper("fold_summary", FOLD_SUMMARY)
    folds = e.script.variable(f"{e.base}_folds")
    e.script.line(
        f"{folds} = cross_validate(\n        clone({e.input('model')}),\n"
        f"        {rows}[{features}],\n        {rows}[{e.column(model.target)}],\n"
        f"        cv={_splitter(e, s.method, s.folds, s.shuffle, s.repeats)},\n"
        f"        scoring={scoring},\n        n_jobs={s.n_jobs},\n"
        f'        error_score="raise"{groups},\n    )'
    )
    summary = e.out("metrics")
    e.script.line(
        f"{summary} = fold_summary({folds}, {literal(default_scores(model.task))}, "
        f"{literal(list(LOWER_IS_BETTER))})"
    )
    e.script.metrics.append((e.node.label, summary))


def predictor(e: Emit) -> None:
    s = e.settings
    rows = e.input("table")
    e.script.modules.add("import pandas as pd")
    e.script.use("sklearn.base", "is_classifier")
    e.script.helper("predicted", PREDICTED)
    features = e.features(e.input_value("model"))
    e.assign(
        "predictions",
        f"predicted({e.input('model')}, {rows}, {features}, {literal(s.prediction_column)}, "
        f"probabilities={s.probabilities})",
    )


def scorer(e: Emit) -> None:
    from nodes.scoring.truth import truth_column

    s = e.settings
    metrics = e.output("metrics").values
    rows = e.input("predictions")
    truth = truth_column(s.truth_column, e.input_value("predictions").spec(), "values")
    e.script.use("sklearn", "metrics")
    e.script.modules.update({"import numpy as np", "import pandas as pd"})
    column = f"{rows}[{literal(s.prediction_column)}]"
    if metrics.get("task") == "regression":
        e.script.helper("regression_scores", REGRESSION_SCORES)
        call = f"regression_scores({rows}[{e.column(truth)}], {column})"
    else:
        e.script.helper("classification_scores", CLASSIFICATION_SCORES)
        proba = f"{rows}.filter(regex='^probability_')"
        call = f"classification_scores({rows}[{e.column(truth)}], {column}, {proba})"
    e.assign("metrics", call)
    e.script.metrics.append((e.node.label, e.out("metrics")))
