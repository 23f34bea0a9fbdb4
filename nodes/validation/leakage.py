"""Target-leakage probes: a feature that predicts the target almost perfectly on its own,
or that is a one-to-one recoding of it, will not exist (or not be honest) at prediction time.

Used by the Validation Report; plain functions so a promotion gate can run them too."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from sklearn.metrics import balanced_accuracy_score, r2_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from studio.core import Model, Table


def single_feature_scores(model: Model, train: Table, held: Table) -> dict[str, float]:
    """How well each feature alone predicts the target on held-out rows: a shallow tree's
    held-out score, or (regression) the absolute rank correlation if that is higher."""
    classify = model.task == "classification"
    y_train, y_held = train.df[model.target], held.df[model.target]
    out = {}
    for f in model.features:
        tree = (
            DecisionTreeClassifier(max_depth=4, random_state=0)
            if classify
            else DecisionTreeRegressor(max_depth=4, random_state=0)
        )
        x_train, x_held = _single_column(train.df[f], held.df[f])
        tree.fit(x_train, y_train)
        pred = tree.predict(x_held)
        if classify:
            score = (
                balanced_accuracy_score(y_held, pred)
                if len(pd.unique(y_held)) > 1
                else float("nan")
            )
        else:
            both = (
                [r2_score(y_held, pred), abs(held.df[f].corr(y_held, method="spearman"))]
                if len(held.df) > 2
                else []
            )
            both = [v for v in both if not math.isnan(v)]
            score = max(both) if both else float("nan")
        out[f] = float(score)
    return out


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
    """Features that are a one-to-one recoding of a class target (a species code, a label id)."""
    if model.task != "classification":
        return []  # a near-copy of a numeric target shows up in the rank correlation instead
    df = pd.concat(
        [t.df[[*model.features, model.target]] for t in tables], ignore_index=True
    ).dropna()
    found = []
    for f in model.features:
        pair = df[[f, model.target]].astype(str)
        to_target = pair.groupby(f)[model.target].agg(
            lambda v: v.value_counts().iloc[0]
        ).sum() / len(pair)
        to_feature = pair.groupby(model.target)[f].agg(
            lambda v: v.value_counts().iloc[0]
        ).sum() / len(pair)
        if len(pair) and min(to_target, to_feature) >= threshold:
            found.append(f)
    return found
