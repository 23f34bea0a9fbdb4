"""Leaks through rows rather than through one feature's meaning:

- near-duplicate rows across the split: held-out rows equal to a training row up to a
  small tolerance on numbers and case/whitespace in text (exact copies are the overlap
  check's);
- an id-like feature (unique per row in a dense integer range or as text, or monotone
  with row order) that predicts the target: the rows were numbered in target order;
- a time column (role "time") whose held-out rows precede training rows: the split was
  meant to be by time, and the model was shown the future.

Used by the Validation Report (`row_leak_checks`)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.neighbors import KDTree
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from studio.core import Model, Table

from .leakage import model_score, score
from .verdicts import check

if TYPE_CHECKING:
    from .validation_report import Settings

ID_MIN_ROWS = 20  # fewer rows: every column looks unique
ID_LEAD = 0.25  # an id that alone wins this share of the model's lead over chance predicts it
MONOTONE = 0.99  # |rank correlation| with row order of a numbered column


def row_leak_checks(
    model: Model, train: Table, held: dict[str, Table], s: Settings
) -> list[dict[str, Any]]:
    """Near-duplicate and time-order checks per held-out table, and one id-like check."""
    out = []
    for name, table in held.items():
        if len(table.df) == 0:
            continue
        if s.duplicate_tolerance > 0:
            out.append(near_duplicate_check(name, model, train, table, s))
        time = time_order_check(name, train, table, s.max_overlap)
        if time is not None:
            out.append(time)
    probe = next((t for t in reversed(held.values()) if len(t.df)), None)
    if probe is not None:
        out.append(id_like_check(model, train, probe, list(held.values())))
    return out


# ------------------------------------------------------------------ near-duplicates
def normalised(df: pd.DataFrame) -> pd.DataFrame:
    """Text stripped, case-folded and with runs of whitespace made one space; numbers as
    floats (3 and 3.0 alike); so near-copies of a row compare equal outside the numbers."""

    def norm(col: pd.Series) -> pd.Series:
        if pd.api.types.is_numeric_dtype(col):
            return col.astype(float)
        text = col.astype("string").str.strip().str.casefold()
        return text.str.replace(r"\s+", " ", regex=True).astype(object)

    return df.apply(norm)


def near_copies(train: pd.DataFrame, held: pd.DataFrame, tolerance: float) -> np.ndarray:
    """For each held-out row: whether a training row has equal normalised text and every
    number within `tolerance` standard deviations (of the training column) of its own."""
    train, held = normalised(train), normalised(held)
    numeric = [c for c in train.columns if pd.api.types.is_float_dtype(train[c])]
    text = [c for c in train.columns if c not in numeric]
    both = pd.concat([train[text], held[text]], ignore_index=True)
    # rows whose text differs must never meet: their text becomes a far-apart coordinate
    key = pd.factorize(pd.util.hash_pandas_object(both, index=False))[0] if text else None
    scale = train[numeric].std(ddof=0).replace(0, 1).fillna(1).to_numpy()

    def points(df: pd.DataFrame, keys: np.ndarray | None) -> np.ndarray:
        x = np.nan_to_num(df[numeric].to_numpy(dtype=float) / scale, nan=1e9)  # NaN meets NaN
        return x if keys is None else np.column_stack([x, keys * (10.0 + 2 * tolerance)])

    n = len(train)
    tr = points(train, None if key is None else key[:n])
    ho = points(held, None if key is None else key[n:])
    if tr.shape[1] == 0:
        return np.zeros(len(held), dtype=bool)
    # a radius count stops at the first near point: far cheaper than the nearest distance
    return KDTree(tr, metric="chebyshev").query_radius(ho, tolerance, count_only=True) > 0


def _hashes(df: pd.DataFrame) -> np.ndarray:
    """One hash per row as the overlap check sees rows (numbers as floats, text as is)."""
    as_float = {c: df[c].astype(float) for c in df.columns if pd.api.types.is_numeric_dtype(df[c])}
    return pd.util.hash_pandas_object(df.assign(**as_float), index=False).to_numpy()


def near_duplicate_check(
    name: str, model: Model, train: Table, held: Table, s: Settings
) -> dict[str, Any]:
    cols = [*model.features, model.target]
    exact = np.isin(_hashes(held.df[cols]), _hashes(train.df[cols]))
    near = near_copies(train.df[cols], held.df[cols], s.duplicate_tolerance)
    found = int((near & ~exact).sum())
    n = len(held.df)
    share = found / n
    status = "pass" if found == 0 else "warn" if share <= s.max_overlap else "fail"
    return check(
        f"near-duplicate rows ({name})",
        status,
        share,
        s.max_overlap,
        f"{found} of {n} {name} rows ({share:.1%}) nearly equal a training row (every number within "
        f"{s.duplicate_tolerance:g} standard deviations, text compared case- and space-blind)"
        + (f", besides {int(exact.sum())} exact copies" if exact.any() else "")
        + (
            ""
            if found == 0
            else ": remove near-copies (re-measured, re-exported rows) before splitting, or split by group"
        ),
    )


# ------------------------------------------------------------------ id-like features
def id_like(values: pd.Series) -> str | None:
    """Why a column looks like a row identifier, or None."""
    v = values.dropna()
    n = len(values)
    if n < ID_MIN_ROWS or len(v) < n:
        return None
    numeric = pd.api.types.is_numeric_dtype(v) and not pd.api.types.is_bool_dtype(v)
    unique = v.nunique() == n
    if unique and not numeric:
        return "unique per row"
    if not numeric:
        return None
    x = v.astype(float)
    if unique and (x % 1 == 0).all() and x.max() - x.min() + 1 <= 2 * n:
        return "unique per row in a dense range of whole numbers"
    if values.index.is_unique and x.nunique() >= 0.9 * n:
        in_order = pd.Series(x.sort_index().to_numpy())
        rho = in_order.corr(pd.Series(np.arange(n, dtype=float)), method="spearman")
        if not math.isnan(rho) and abs(rho) >= MONOTONE:
            return f"monotone with row order (rank correlation {rho:+.3f})"
    return None


def _ordinal(train: pd.Series, held: pd.Series, every: pd.Series) -> tuple[Any, Any]:
    """Numbers as they are; text as its rank among all values, so 'A-0012' < 'A-0013'."""
    if pd.api.types.is_numeric_dtype(every):
        return train.to_frame(), held.to_frame()
    order = {v: i for i, v in enumerate(sorted(every.astype(str).unique()))}
    return (
        train.astype(str).map(order).to_frame(),
        held.astype(str).map(order).to_frame(),
    )


def id_like_check(model: Model, train: Table, held: Table, every: list[Table]) -> dict[str, Any]:
    union = pd.concat([train.df[model.features], *(t.df[model.features] for t in every)])
    whole, chance = model_score(model, held)
    room = whole - chance
    found, leaking = [], []
    for f in model.features:
        why = id_like(union[f])
        if why is None:
            continue
        tree = (
            DecisionTreeClassifier(max_depth=4, random_state=0)
            if model.task == "classification"
            else DecisionTreeRegressor(max_depth=4, random_state=0)
        )
        x_train, x_held = _ordinal(train.df[f], held.df[f], union[f])
        tree.fit(x_train, train.df[model.target])
        alone = score(model, held.df[model.target], tree.predict(x_held))
        lead = (alone - chance) / room if room > 0 else float("nan")
        found.append(f"{f!r} ({why}; alone {alone:.3f})")
        if lead >= ID_LEAD:
            leaking.append((f, why, alone, lead))
    if leaking:
        f, why, alone, lead = max(leaking, key=lambda t: t[3])
        return check(
            "id-like features",
            "fail",
            lead,
            ID_LEAD,
            "; ".join(
                f"{g!r} is {w} and alone scores {a:.3f} (the model {whole:.3f}, chance {chance:.3f})"
                for g, w, a, _ in leaking
            )
            + ": row numbers that predict the target mean the rows were ordered by it; "
            "mark the column with the id role (Column Roles) so it is not a feature",
        )
    return check(
        "id-like features",
        "pass",
        None,
        ID_LEAD,
        "id-like features that do not predict the target: " + ", ".join(found)
        if found
        else "no feature looks like a row identifier",
    )


# ------------------------------------------------------------------ time order
def _times(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
        return s
    parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    return parsed if parsed.notna().sum() >= s.notna().sum() else s.astype(str)


def time_order_check(name: str, train: Table, held: Table, limit: float) -> dict[str, Any] | None:
    """Only where a column has the time role: then the split is meant to be by time."""
    column = next((c for c, r in train.roles.items() if r == "time" and c in train.df), None)
    if column is None or column not in held.df:
        return None
    t_train, t_held = _times(train.df[column]), _times(held.df[column])
    latest = t_train.max()
    before = int((t_held < latest).sum())
    n = len(t_held)
    share = before / n
    status = "pass" if before == 0 else "warn" if share <= limit else "fail"
    return check(
        f"time order ({name})",
        status,
        share,
        limit,
        f"{before} of {n} {name} rows ({share:.1%}) have {column!r} before the latest training row ({latest})"
        + (
            ""
            if before == 0
            else ": the model was fitted on the future of rows it is judged on; "
            "split with Partitioning's method 'time' on that column"
        ),
    )
