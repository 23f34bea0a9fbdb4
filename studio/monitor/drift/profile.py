"""The reference side of drift, computed once per monitor: each column's kind, its test,
and the fixed buckets (quantile bin edges or categories + "other/unseen") that every
current window is counted into, so a window never needs the reference again."""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from ..errors import MonitorError
from .settings import VALUE_TESTS, DriftSettings, Kind, TestName


def _as_numbers(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype(float)
    return pd.to_numeric(values, errors="coerce").astype(float)


@dataclass(frozen=True)
class ColumnProfile:
    column: str
    kind: Kind
    test: TestName
    numeric_values: bool  # current values are coerced to numbers (else compared as text)
    n: int
    counts: np.ndarray  # reference counts per bucket, the last bucket is "other/unseen"
    edges: np.ndarray | None = None  # inner bin edges of a numeric column
    categories: tuple = ()  # bucket keys of a categorical or binary column
    values: np.ndarray | None = None  # sorted reference values, for KS and Wasserstein
    std: float = 0.0

    @property
    def positive(self):
        """The value whose share the Z-test compares (the larger of the two)."""
        return self.categories[-1]

    def clean(self, values: pd.Series) -> pd.Series:
        """Current values in the reference's terms, missing values dropped."""
        values = _as_numbers(values) if self.numeric_values else values.dropna().astype(str)
        return values.dropna()

    def bucket_counts(self, values: pd.Series) -> np.ndarray:
        """Counts of cleaned values per bucket (same layout as `counts`)."""
        size = len(self.counts)
        if self.edges is not None:
            idx = np.searchsorted(self.edges, values.to_numpy(), side="right")
        else:
            idx = self._index.get_indexer(values).astype(np.int64)
            idx[idx < 0] = size - 1  # unseen in the reference
        return np.bincount(idx, minlength=size)

    @cached_property
    def _index(self) -> pd.Index:
        return pd.Index(list(self.categories))


def column_kind(values: pd.Series, settings: DriftSettings) -> Kind:
    distinct = values.dropna().nunique()
    if distinct == 2:
        return "binary"
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    return "numeric" if numeric and distinct > settings.numeric_min_distinct else "categorical"


def profile_column(values: pd.Series, settings: DriftSettings, n_reference: int) -> ColumnProfile:
    name = str(values.name)
    kind = column_kind(values, settings)
    test = settings.choose_test(name, kind, n_reference)
    if test in VALUE_TESTS and kind != "numeric":
        raise MonitorError(
            f"column {name!r}: the {test} test needs a numeric column with more than "
            f"{settings.numeric_min_distinct} distinct values; this one is {kind}: "
            "choose chi2, jensenshannon or psi for it"
        )
    if test == "z" and kind != "binary":
        raise MonitorError(
            f"column {name!r}: the z test compares two proportions and needs a two-valued "
            f"column; this one is {kind}: choose chi2, jensenshannon or psi for it"
        )
    numeric = pd.api.types.is_numeric_dtype(values)
    clean = (_as_numbers(values) if numeric else values.dropna().astype(str)).dropna()
    if clean.empty:
        raise MonitorError(f"column {name!r} has no values in the reference data")
    common = {"column": name, "kind": kind, "test": test, "numeric_values": numeric}
    if kind == "numeric":
        arr = np.sort(clean.to_numpy(dtype=float))
        quantiles = np.linspace(0, 1, settings.bins + 1)[1:-1]
        edges = np.unique(np.quantile(arr, quantiles))
        profile = ColumnProfile(
            **common, n=len(arr), counts=np.zeros(len(edges) + 1, dtype=np.int64), edges=edges
        )
        profile = _with_counts(profile, clean)
        keep = test in VALUE_TESTS
        return replace(profile, values=arr if keep else None, std=float(np.std(arr)))
    categories = tuple(sorted(clean.unique()))
    profile = ColumnProfile(
        **common,
        n=len(clean),
        counts=np.zeros(len(categories) + 1, dtype=np.int64),
        categories=categories,
    )
    return _with_counts(profile, clean)


def _with_counts(profile: ColumnProfile, clean: pd.Series) -> ColumnProfile:
    return replace(profile, counts=profile.bucket_counts(clean))


@dataclass(frozen=True)
class ReferenceProfile:
    """Every monitored column of the reference data, ready to compare windows against."""

    columns: dict[str, ColumnProfile]
    n_rows: int

    @classmethod
    def from_frame(
        cls, reference: pd.DataFrame, settings: DriftSettings, columns: list[str] | None = None
    ) -> ReferenceProfile:
        names = list(reference.columns) if columns is None else list(columns)
        missing = [c for c in names if c not in reference.columns]
        if missing:
            raise MonitorError(
                f"drift columns {missing} are not in the reference data "
                f"(it has {list(reference.columns)}): remove them or fix the reference"
            )
        n = len(reference)
        return cls({c: profile_column(reference[c], settings, n) for c in names}, n)
