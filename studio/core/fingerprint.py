"""Row fingerprints: one 64-bit hash per row, so the rows a model was fitted on can be
recorded in the Model and compared with held-out rows wherever those come from."""

from __future__ import annotations

import numpy as np
import pandas as pd


def row_hashes(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One 64-bit hash per row over the given columns, to find rows shared between sets.

    Numbers are hashed as floats, so 3 in one table and 3.0 in another (a column that
    became float through missing values) still count as the same row."""
    part = df[columns].apply(
        lambda s: (
            s.astype(float)
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
            else s
        )
    )
    return pd.util.hash_pandas_object(part, index=False).to_numpy()


def fit_fingerprint(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """The sorted distinct row hashes of the rows a model is fitted on (features and target)."""
    return np.unique(row_hashes(df, columns))
