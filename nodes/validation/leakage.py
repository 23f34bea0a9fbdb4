"""Target leakage: a feature that will not exist (or not be honest) at prediction time
because it was derived from the answer. Real leaks are imperfect — the target recoded
with a few values flipped — so a feature is judged against the model as well as alone:

- absolute: it alone scores at least `leakage_threshold` on held-out rows;
- one-to-one: it is a recoding of a class target;
- relative: it alone reaches `leakage_share` of the model's held-out score and beats the
  next best single feature by `leakage_margin` (that one column *is* the model);
- drop-column: refitting the model without it (on the few suspects only) loses
  `leakage_drop` of the model's lead over chance.

Used by the Validation Report; plain functions so a promotion gate can run them too."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score, r2_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from studio.core import Model, Table

from .resampling import model_rows
from .verdicts import check

if TYPE_CHECKING:
    from .validation_report import Settings

MAX_SUSPECTS = 3  # drop-column refits per report: the cost stays a few fits
SUSPECT_LEAD = 0.6  # a feature alone winning this share of the model's lead is refitted without


@dataclass(frozen=True)
class Probe:
    """Single-feature and model scores on the same held-out rows, in the same measure."""

    kind: str  # "balanced accuracy" or "R²"
    chance: float  # what guessing scores in that measure
    model: float  # the whole model's held-out score
    alone: dict[str, float]  # each feature alone (a shallow tree), comparable to `model`
    absolute: dict[str, float]  # what the absolute limit judges (regression: or |rank corr|)

    def lead(self, score: float) -> float:
        """How far above chance a score is, as a share of the model's own lead."""
        room = self.model - self.chance
        return (score - self.chance) / room if room > 0 else float("nan")


def score(model: Model, y: pd.Series, pred: Any) -> float:
    """Balanced accuracy (classification) or R² (regression): the probes' one measure."""
    if model.task == "classification":
        return float(balanced_accuracy_score(y, pred)) if len(pd.unique(y)) > 1 else float("nan")
    return float(r2_score(y, pred)) if len(y) > 1 else float("nan")


def probe(model: Model, train: Table, held: Table) -> Probe:
    """How well each feature alone predicts the target on held-out rows (a shallow tree;
    for regression's absolute limit also the absolute rank correlation), and the model."""
    classify = model.task == "classification"
    y_train, y_held = train.df[model.target], held.df[model.target]
    if classify:  # class codes: sorting text labels dominated the cost of every tree
        codes = pd.factorize(pd.concat([y_train, y_held], ignore_index=True))[0]
        y_train, y_held = codes[: len(y_train)], codes[len(y_train) :]
    alone, absolute = {}, {}
    for f in model.features:
        tree = (
            DecisionTreeClassifier(max_depth=4, random_state=0)
            if classify
            else DecisionTreeRegressor(max_depth=4, random_state=0)
        )
        x_train, x_held = _single_column(train.df[f], held.df[f])
        tree.fit(x_train, y_train)
        alone[f] = score(model, y_held, tree.predict(x_held))
        both = [alone[f]]
        if not classify and len(held.df) > 2:
            both.append(abs(held.df[f].corr(held.df[model.target], method="spearman")))
        both = [v for v in both if not math.isnan(v)]
        absolute[f] = float(max(both)) if both else float("nan")
    whole, chance = model_score(model, held)
    return Probe("balanced accuracy" if classify else "R²", chance, whole, alone, absolute)


def model_score(model: Model, held: Table) -> tuple[float, float]:
    """The model's held-out balanced accuracy (or R²) and what guessing scores in it."""
    X, y = model_rows(model, held, "held-out")
    chance = 1 / max(len(pd.unique(y)), 1) if model.task == "classification" else 0.0
    return score(model, y, model.estimator.predict(X)), chance


def _single_column(train: pd.Series, held: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A feature as a one-column frame a tree can split (text becomes codes learned on train)."""
    if pd.api.types.is_numeric_dtype(train) and pd.api.types.is_numeric_dtype(held):
        return train.to_frame(), held.to_frame()
    categories = pd.unique(train.dropna().astype(str))

    def codes(s: pd.Series) -> pd.DataFrame:
        c = pd.Categorical(s.astype(str).where(s.notna()), categories=categories).codes.astype(
            float
        )
        return pd.DataFrame({s.name: np.where(c < 0, np.nan, c)}, index=s.index)

    return codes(train), codes(held)


def derived_columns(model: Model, tables: list[Table], threshold: float) -> list[str]:
    """Features that are a one-to-one recoding of a class target (a species code, a label id):
    each value mostly means one class, and each class mostly has one value."""
    if model.task != "classification":
        return []  # a near-copy of a numeric target shows up in the rank correlation instead
    df = pd.concat(
        [t.df[[*model.features, model.target]] for t in tables], ignore_index=True
    ).dropna()
    if not len(df):
        return []
    target = df[model.target].astype(str)
    # every value beyond one per class costs a row of `to_feature`: more cannot pass
    most = target.nunique() + (1 - threshold) * len(df) + 1
    found = []
    for f in model.features:
        if df[f].nunique() > most:
            continue
        counts = pd.crosstab(df[f].astype(str), target)
        to_target = counts.max(axis=1).sum() / len(df)
        to_feature = counts.max(axis=0).sum() / len(df)
        if min(to_target, to_feature) >= threshold:
            found.append(f)
    return found


def score_without(model: Model, train: Table, held: Table, feature: str) -> float:
    """The held-out score of the model refitted with `feature` held constant: dropped in
    effect, while every column the estimator expects is still there."""
    X_train, y_train = model_rows(model, train, "train")
    X_held, y_held = model_rows(model, held, "held-out")
    col = X_train[feature]
    filler = (
        col.median()
        if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
        else col.mode(dropna=True).iloc[0]
        if col.notna().any()
        else col.iloc[0]
    )
    estimator = clone(model.estimator).fit(X_train.assign(**{feature: filler}), y_train)
    return score(model, y_held, estimator.predict(X_held.assign(**{feature: filler})))


def leakage_check(model: Model, train: Table, held: Table, s: Settings) -> dict[str, Any]:
    """The "target leakage" check of the Validation Report on one held-out table."""
    p = probe(model, train, held)
    derived = derived_columns(model, [train, held], s.leakage_threshold)
    ranked = sorted(((v, f) for f, v in p.alone.items() if not math.isnan(v)), reverse=True)
    top, top_f = ranked[0] if ranked else (float("nan"), "")
    runner, runner_f = ranked[1] if len(ranked) > 1 else (p.chance, "")
    strongest = max((v for v in p.absolute.values() if not math.isnan(v)), default=float("nan"))
    runner_text = f"the runner-up {runner_f!r} {runner:.3f}" if runner_f else "no other feature"
    reasons = [
        f"{f!r} alone reaches {p.kind if model.task == 'classification' else 'R² or |rank correlation|'} "
        f"{v:.3f} on held-out rows (limit {s.leakage_threshold:.3f})"
        for f, v in p.absolute.items()
        if v >= s.leakage_threshold
    ]
    reasons += [f"{f!r} maps one-to-one onto the target" for f in derived]
    share = top / p.model if p.model > 0 else float("nan")
    # a model of one feature *is* that feature: the relative rule needs a runner-up
    relative = len(ranked) > 1 and share >= s.leakage_share and top - runner >= s.leakage_margin
    if relative:
        reasons.append(
            f"{top_f!r} alone reaches {p.kind} {top:.3f}, {share:.0%} of the model's {p.model:.3f} "
            f"(limit {s.leakage_share:.0%}), far above {runner_text}"
        )
    # drop-column on the suspects only: features that alone carry most of the model's lead;
    # with one or two features, dropping one is expected to hurt, so it proves nothing
    suspects = (
        [f for v, f in ranked[:MAX_SUSPECTS] if p.lead(v) >= SUSPECT_LEAD]
        if len(model.features) >= 3
        else []
    )
    losses, notes = {}, []
    for f in suspects:
        try:
            without = score_without(model, train, held, f)
        except Exception as exc:  # noqa: BLE001 - an estimator that cannot refit skips the probe
            notes.append(f"refitting without {f!r} failed ({type(exc).__name__}: {exc})")
            continue
        losses[f] = 1 - p.lead(without)
        if losses[f] >= s.leakage_drop:
            reasons.append(
                f"without {f!r} the refitted model scores {p.kind} {without:.3f} instead of "
                f"{p.model:.3f}: {losses[f]:.0%} of its lead over chance ({p.chance:.3f}) comes "
                f"from that one column (limit {s.leakage_drop:.0%})"
            )
    heaviest = max(losses, key=losses.get, default=None)
    if reasons:
        return check(
            "target leakage",
            "fail",
            strongest,
            s.leakage_threshold,
            "; ".join(reasons)
            + ("" if relative else f" (the model scores {p.kind} {p.model:.3f}; {runner_text})")
            + ": a column that knows the answer will not exist at prediction time; drop it from the features",
        )
    close = strongest >= s.leakage_threshold - 0.05 or (
        len(ranked) > 1 and share >= s.leakage_share
    )
    return check(
        "target leakage",
        "warn" if close else "pass",
        strongest,
        s.leakage_threshold,
        f"strongest single feature: {top_f!r} with held-out {p.kind} {top:.3f}, "
        f"{share:.0%} of the model's {p.model:.3f}; {runner_text}"
        + (
            f"; refitted without {heaviest!r} the model loses {losses[heaviest]:.0%} of its lead over chance"
            if heaviest is not None
            else ""
        )
        + (f"; {'; '.join(notes)}" if notes else ""),
    )
