"""Parity: the bundle's output on the training run's rows must equal the workflow's.

Labels and other non-numeric values must be identical; numbers may differ by at most
`tolerance` (absolute, scaled up for large magnitudes). Rows are compared by position.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .state import jsonable

TOLERANCE = 1e-9
MAX_REPORTED = 20


def _is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def compare(
    expected: pd.DataFrame, actual: pd.DataFrame, tolerance: float = TOLERANCE
) -> dict[str, Any]:
    """A parity report: passed, rows, columns, max numeric difference, and the differing rows."""
    report: dict[str, Any] = {
        "passed": False,
        "rows": int(len(expected)),
        "tolerance": tolerance,
        "max_abs_diff": 0.0,
        "differences": [],
    }
    exp_cols, act_cols = [str(c) for c in expected.columns], [str(c) for c in actual.columns]
    report["columns"] = exp_cols
    if exp_cols != act_cols:
        report["error"] = f"columns differ: training gave {exp_cols}, the bundle gave {act_cols}"
        return report
    if len(expected) != len(actual):
        report["error"] = (
            f"row counts differ: training gave {len(expected)}, the bundle gave {len(actual)}"
        )
        return report
    diffs: list[dict[str, Any]] = []
    report["differing_rows"] = 0
    max_diff = 0.0
    for col in exp_cols:
        e, a = expected[col].reset_index(drop=True), actual[col].reset_index(drop=True)
        if _is_numeric(e) and _is_numeric(a):
            ev, av = (
                e.to_numpy(dtype=float, na_value=np.nan),
                a.to_numpy(dtype=float, na_value=np.nan),
            )
            both_nan = np.isnan(ev) & np.isnan(av)
            gap = np.where(both_nan, 0.0, np.abs(ev - av))
            gap = np.where(np.isnan(gap), np.inf, gap)
            if len(gap):
                max_diff = max(max_diff, float(np.max(gap)))
            bad = np.flatnonzero(gap > tolerance * np.maximum(1.0, np.abs(np.nan_to_num(ev))))
        else:
            bad = np.array(
                [i for i, (x, y) in enumerate(zip(e, a, strict=True)) if not _same(x, y)], dtype=int
            )
        for i in bad[: MAX_REPORTED - len(diffs)]:
            diffs.append(
                {
                    "row": int(i),
                    "column": col,
                    "expected": jsonable(e.iloc[i]),
                    "actual": jsonable(a.iloc[i]),
                }
            )
        if len(bad) and "first_column" not in report:
            report["first_column"] = col
        report["differing_rows"] += int(len(bad))
    report["max_abs_diff"] = max_diff if np.isfinite(max_diff) else None
    report["differences"] = diffs
    report["passed"] = report["differing_rows"] == 0
    return report


def _scalar_na(x: Any) -> bool:
    try:
        return bool(pd.isna(x))
    except (TypeError, ValueError):
        return False


def _same(x: Any, y: Any) -> bool:
    """Identical labels: both missing, or equal values (1 and "1" differ)."""
    nx_, ny_ = _scalar_na(x), _scalar_na(y)
    if nx_ or ny_:
        return nx_ and ny_
    if isinstance(x, str) != isinstance(y, str):
        return False
    try:
        return bool(x == y)
    except (TypeError, ValueError):
        return False


def describe_failure(report: dict[str, Any]) -> str:
    if "error" in report:
        return report["error"]
    lines = [
        f"{report.get('differing_rows', 0)} value(s) differ between the training run and the bundle:"
    ]
    for d in report["differences"]:
        lines.append(
            f"  row {d['row']}, column {d['column']!r}: training {d['expected']!r}, bundle {d['actual']!r}"
        )
    return "\n".join(lines)
