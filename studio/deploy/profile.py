"""The reference profile a bundle carries for drift monitoring: per-column statistics,
histograms or category frequencies, and a bounded random sample of the rows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from studio.core.ports import dtype_name

from .state import jsonable

SAMPLE_ROWS = 1000
BINS = 10
TOP_CATEGORIES = 50


def _numeric(s: pd.Series) -> dict[str, Any]:
    values = s.dropna().to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return {}
    counts, edges = np.histogram(values, bins=BINS)
    q = np.quantile(values, [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
    return {
        "mean": float(values.mean()),
        "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
        "min": float(values.min()),
        "max": float(values.max()),
        "quantiles": dict(
            zip(["p01", "p05", "p25", "p50", "p75", "p95", "p99"], map(float, q), strict=True)
        ),
        "histogram": {"edges": edges.tolist(), "counts": counts.tolist()},
    }


def _categorical(s: pd.Series) -> dict[str, Any]:
    freq = s.dropna().astype(str).value_counts()
    top = freq.iloc[:TOP_CATEGORIES]
    return {
        "distinct": int(len(freq)),
        "frequencies": {str(k): int(v) for k, v in top.items()},
        "other": int(freq.iloc[TOP_CATEGORIES:].sum()),
    }


def profile(df: pd.DataFrame) -> dict[str, Any]:
    """Statistics of every column of the rows that reached the Deployment Input in training."""
    cols: dict[str, Any] = {}
    for name in df.columns:
        s = df[name]
        kind = dtype_name(s)
        entry: dict[str, Any] = {
            "dtype": kind,
            "count": int(s.notna().sum()),
            "missing": int(s.isna().sum()),
        }
        if kind in ("number", "integer"):
            entry.update(_numeric(s))
        elif kind == "boolean":
            entry.update(_categorical(s))
        elif kind != "datetime":
            entry.update(_categorical(s))
        else:
            entry.update({"min": jsonable(s.min()), "max": jsonable(s.max())})
        cols[str(name)] = entry
    return {
        "rows": int(len(df)),
        "columns": cols,
        "sample": {"file": "reference/sample.parquet", "rows": min(len(df), SAMPLE_ROWS)},
    }


def sample(df: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """At most SAMPLE_ROWS rows, chosen reproducibly."""
    if len(df) <= SAMPLE_ROWS:
        return df
    return df.sample(SAMPLE_ROWS, random_state=seed).sort_index()
