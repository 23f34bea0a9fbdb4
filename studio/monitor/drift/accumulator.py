"""The current side of drift, fed one chunk of rows at a time so memory stays flat.

Per column it keeps bucket counts on the reference's fixed buckets (enough for chi-square,
the Z-test, Jensen-Shannon and PSI at any window size) and, for KS and Wasserstein, the
values themselves up to `settings.exact_rows`: within that bound both statistics are
exactly scipy's on the same arrays. Beyond it they run on a uniform random sample of
`exact_rows` values (each value gets a random key; the smallest keys are kept), which
bounds memory and time while estimating the statistic without bias in the sample; the
choice of a sample over binned approximations keeps KS's p-value meaningful.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..errors import MonitorError
from ..verdict import Verdict
from . import statistics as st
from .profile import ColumnProfile, ReferenceProfile
from .results import ColumnDrift, DatasetDrift
from .settings import P_VALUE_TESTS, VALUE_TESTS, DriftSettings


class ValueSample:
    """Every value up to `bound`, then a uniform sample of `bound` of them."""

    def __init__(self, bound: int, rng: np.random.Generator):
        self.bound = bound
        self.seen = 0
        self._rng = rng
        self._values: list[np.ndarray] = []
        self._keys: list[np.ndarray] = []

    def add(self, values: np.ndarray) -> None:
        self.seen += len(values)
        self._values.append(values)
        self._keys.append(self._rng.random(len(values)))
        if sum(len(v) for v in self._values) > 2 * self.bound:
            self._prune()

    def _prune(self) -> None:
        values, keys = np.concatenate(self._values), np.concatenate(self._keys)
        if len(values) > self.bound:
            keep = np.argpartition(keys, self.bound)[: self.bound]
            values, keys = values[keep], keys[keep]
        self._values, self._keys = [values], [keys]

    @property
    def exact(self) -> bool:
        return self.seen <= self.bound

    def values(self) -> np.ndarray:
        self._prune()
        return self._values[0] if self._values else np.empty(0)


class _ColumnState:
    def __init__(self, profile: ColumnProfile, settings: DriftSettings, rng: np.random.Generator):
        self.profile = profile
        self.counts = np.zeros_like(profile.counts)
        self.sample = ValueSample(settings.exact_rows, rng) if profile.test in VALUE_TESTS else None

    def update(self, values: pd.Series) -> None:
        clean = self.profile.clean(values)
        self.counts += self.profile.bucket_counts(clean)
        if self.sample is not None:
            self.sample.add(clean.to_numpy(dtype=float))

    @property
    def n(self) -> int:
        return int(self.counts.sum())


class DriftAccumulator:
    """Counts and samples of one window, compared with the reference by `result()`."""

    def __init__(self, profile: ReferenceProfile, settings: DriftSettings, seed: int = 0):
        self.profile = profile
        self.settings = settings
        rng = np.random.default_rng(seed)
        self.n_rows = 0
        self._columns = {
            name: _ColumnState(col, settings, rng) for name, col in profile.columns.items()
        }

    def update(self, chunk: pd.DataFrame) -> None:
        missing = [c for c in self._columns if c not in chunk.columns]
        if missing:
            raise MonitorError(
                f"drift columns {missing} are not in the current rows "
                f"(they have {list(chunk.columns)}): log them or drop them from the monitor"
            )
        self.n_rows += len(chunk)
        for name, state in self._columns.items():
            state.update(chunk[name])

    def result(self, min_rows: int = 1) -> DatasetDrift:
        """The verdicts; a window of fewer than `min_rows` rows is "not enough data"."""
        columns = [self._column_result(s, min_rows) for s in self._columns.values()]
        tested = [c for c in columns if c.verdict is not Verdict.NO_DATA]
        share = sum(c.drifted for c in tested) / len(tested) if tested else 0.0
        drifted = bool(tested) and share >= self.settings.drift_share
        verdict = Verdict.NO_DATA if not tested else Verdict.ALERT if drifted else Verdict.OK
        return DatasetDrift(
            columns=columns,
            drifted_share=share,
            drift_share=self.settings.drift_share,
            drifted=drifted,
            verdict=verdict,
            n_reference=self.profile.n_rows,
            n_current=self.n_rows,
        )

    def _column_result(self, state: _ColumnState, min_rows: int) -> ColumnDrift:
        p, s = state.profile, self.settings
        threshold = s.threshold(p.test)
        common = {
            "column": p.column,
            "kind": p.kind,
            "test": p.test,
            "threshold": threshold,
            "n_reference": p.n,
            "n_current": state.n,
        }
        if self.n_rows < min_rows or state.n == 0:
            return ColumnDrift(
                **common, statistic=None, p_value=None, drifted=False, verdict=Verdict.NO_DATA
            )
        statistic, p_value = _statistic(p, state)
        if p.test in P_VALUE_TESTS:
            drifted = p_value < threshold
            verdict = Verdict.ALERT if drifted else Verdict.OK
        else:
            drifted = statistic >= threshold
            warn = p.test == "psi" and statistic >= s.psi_warn
            verdict = Verdict.ALERT if drifted else Verdict.WARN if warn else Verdict.OK
        return ColumnDrift(
            **common, statistic=statistic, p_value=p_value, drifted=drifted, verdict=verdict
        )


def _statistic(p: ColumnProfile, state: _ColumnState) -> tuple[float, float | None]:
    if p.test == "ks":
        return st.ks(p.values, state.sample.values())
    if p.test == "wasserstein":
        return st.wasserstein_ratio(p.values, state.sample.values(), p.std), None
    if p.test == "chi2":
        return st.chi2(p.counts, state.counts)
    if p.test == "z":
        hit = len(p.categories) - 1  # the positive value's bucket
        return st.z_proportions(int(p.counts[hit]), p.n, int(state.counts[hit]), state.n)
    if p.test == "jensenshannon":
        return st.jensen_shannon(p.counts, state.counts), None
    return st.psi(p.counts, state.counts), None


def detect_drift(
    reference: pd.DataFrame | ReferenceProfile,
    current: pd.DataFrame | Iterable[pd.DataFrame],
    settings: DriftSettings | None = None,
    columns: list[str] | None = None,
    seed: int = 0,
    min_rows: int = 1,
) -> DatasetDrift:
    """Compare current rows (one frame or an iterator of chunks) with the reference."""
    settings = settings or DriftSettings()
    if isinstance(reference, pd.DataFrame):
        reference = ReferenceProfile.from_frame(reference, settings, columns)
    acc = DriftAccumulator(reference, settings, seed)
    for chunk in [current] if isinstance(current, pd.DataFrame) else current:
        acc.update(chunk)
    return acc.result(min_rows)
