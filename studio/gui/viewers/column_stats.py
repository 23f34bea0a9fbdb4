"""Summary statistics of one column, for the table viewer's side pane."""

from __future__ import annotations

import pandas as pd


def column_stats(series: pd.Series) -> list[tuple[str, str]]:
    n = len(series)
    missing = int(series.isna().sum())
    rows = [("type", str(series.dtype)), ("rows", f"{n:,}"), ("missing", f"{missing:,}")]
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        desc = series.describe()
        for key in ("mean", "std", "min", "25%", "50%", "75%", "max"):
            if key in desc:
                rows.append((key, f"{desc[key]:.6g}"))
    else:
        counts = series.value_counts(dropna=True)
        rows.append(("distinct", f"{len(counts):,}"))
        for value, count in counts.head(8).items():
            rows.append((f"“{value}”", f"{count:,}"))
    return rows
