"""The drift statistics, each a thin call into scipy on values or on bin counts.

Counts are what the streaming path keeps (fixed reference-derived bins or categories, plus
an "other/unseen" bucket), so chi-square, Jensen-Shannon and PSI cost the same on a million
rows as on a thousand; KS and Wasserstein take values (see `accumulator.py`).
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.spatial.distance import jensenshannon

# Empty bins get this share in PSI, whose logarithm is undefined at zero (the usual floor).
PSI_FLOOR = 1e-4
# Wasserstein is divided by the reference std; a constant reference uses this instead.
MIN_STD = 1e-3


def ks(reference: np.ndarray, current: np.ndarray) -> tuple[float, float]:
    """Two-sample Kolmogorov-Smirnov: (statistic, p-value)."""
    res = stats.ks_2samp(reference, current)
    return float(res.statistic), float(res.pvalue)


def wasserstein_ratio(reference: np.ndarray, current: np.ndarray, reference_std: float) -> float:
    """Wasserstein distance in units of the reference standard deviation."""
    return float(stats.wasserstein_distance(reference, current)) / max(reference_std, MIN_STD)


def chi2(reference_counts: np.ndarray, current_counts: np.ndarray) -> tuple[float, float]:
    """Chi-square test of homogeneity on the 2 x k table of counts: (statistic, p-value).

    The two-sample form (not goodness-of-fit against reference shares) because a small
    reference is itself a sample; buckets empty in both are left out.
    """
    table = np.vstack([reference_counts, current_counts]).astype(float)
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] < 2:
        return 0.0, 1.0
    res = stats.chi2_contingency(table)
    return float(res.statistic), float(res.pvalue)


def z_proportions(
    reference_hits: int, n_reference: int, current_hits: int, n_current: int
) -> tuple[float, float]:
    """Pooled two-proportion Z-test on the share of the positive value: (z, two-sided p)."""
    p1, p2 = reference_hits / n_reference, current_hits / n_current
    pooled = (reference_hits + current_hits) / (n_reference + n_current)
    se = np.sqrt(pooled * (1 - pooled) * (1 / n_reference + 1 / n_current))
    if se == 0:
        return 0.0, 1.0
    z = (p2 - p1) / se
    return float(z), float(2 * stats.norm.sf(abs(z)))


def shares(counts: np.ndarray) -> np.ndarray:
    return counts / max(counts.sum(), 1)


def jensen_shannon(reference_counts: np.ndarray, current_counts: np.ndarray) -> float:
    """Jensen-Shannon distance (natural log, scipy's default) between the two histograms."""
    return float(jensenshannon(shares(reference_counts), shares(current_counts)))


def psi(reference_counts: np.ndarray, current_counts: np.ndarray) -> float:
    """Population stability index: sum over buckets of (cur - ref) * ln(cur / ref)."""
    ref = np.maximum(shares(reference_counts), PSI_FLOOR)
    cur = np.maximum(shares(current_counts), PSI_FLOOR)
    return float(np.sum((cur - ref) * np.log(cur / ref)))
