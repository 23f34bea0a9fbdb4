"""HistGradientBoosting's raw scores for a small batch, every tree walked at once in numpy.

scikit-learn predicts with one Cython call per tree from a Python loop: for a request of
one row or a hundred, that loop (and the input checks done twice, for `predict` and
`predict_proba`) is the cost, not the trees. Here the fitted trees are flattened once
into arrays and all of them are walked level by level for the whole batch; each row's
leaf values are then added in scikit-learn's own order (the baseline, then tree after
tree, one float64 addition at a time), so the raw scores are bit for bit scikit-learn's.
Large batches, categorical splits and estimators that preprocess their input keep
scikit-learn's own path.

Used by the Predictor's compiled plan only, which is proven equal to the graph (the
public `predict`/`predict_proba`) at build and at every load.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

# (rows x trees x deepest leaf) at most, for the numpy walk; above it scikit-learn's loop
# is faster. Measured on 100 trees of depth 19 (a loaded 2-core machine): 1 row 0.14 ms vs
# 0.66 ms, 10 rows 0.22 vs 0.66, 100 rows 0.88 vs 1.18, 1,000 rows 11.6 vs 4.9.
SMALL_STEPS = 300_000


class _Trees:
    """Every tree of a fitted HistGradientBoosting model as flat arrays."""

    def __init__(self, estimator: Any):
        per_iteration = estimator._predictors  # [iteration][tree per class]
        self.k = int(estimator.n_trees_per_iteration_)
        trees = [tree.nodes for iteration in per_iteration for tree in iteration]
        sizes = np.array([len(t) for t in trees], dtype=np.intp)
        start = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        nodes = np.concatenate(trees)
        shift = np.repeat(start, sizes)
        self.roots = start
        self.feature = nodes["feature_idx"].astype(np.intp)
        self.threshold = nodes["num_threshold"].astype(np.float64)
        self.missing_left = nodes["missing_go_to_left"].astype(bool)
        self.is_leaf = nodes["is_leaf"].astype(bool)
        self.internal = ~self.is_leaf
        self.left = np.where(self.is_leaf, np.arange(len(nodes)), nodes["left"] + shift)
        self.right = np.where(self.is_leaf, np.arange(len(nodes)), nodes["right"] + shift)
        # children[2 * node + 1] is the left child, children[2 * node] the right one
        self.children = np.column_stack([self.right, self.left]).ravel()
        self.value = nodes["value"].astype(np.float64)
        self.depth = int(nodes["depth"].max()) if len(nodes) else 0
        self.baseline = np.asarray(estimator._baseline_prediction, dtype=np.float64).reshape(-1)

    def leaves(self, X: np.ndarray) -> np.ndarray:
        """(rows x trees) leaf values: each (row, tree) pair steps down until it is at a
        leaf, the pairs still walking taken out of flat arrays at every level."""
        n, trees = len(X), len(self.roots)
        flat = np.ascontiguousarray(X).ravel()
        at = np.tile(self.roots, n)  # pair r * trees + t: the node row r has reached in tree t
        offset = np.repeat(np.arange(n, dtype=np.intp) * X.shape[1], trees)
        walking = np.flatnonzero(self.internal.take(at))
        gaps = bool(np.isnan(flat).any())  # no gap anywhere: no missing-value branch to take
        while walking.size:
            node = at.take(walking)
            x = flat.take(offset.take(walking) + self.feature.take(node))
            left = x <= self.threshold.take(node)
            if gaps:
                gap = np.isnan(x)
                if gap.any():
                    left = np.where(gap, self.missing_left.take(node), left)
            node = self.children.take(2 * node + left)
            at[walking] = node
            walking = walking[self.internal.take(node)]
        return self.value.take(at).reshape(n, trees)

    def raw(self, X: np.ndarray) -> np.ndarray:
        n = len(X)
        leaves = self.leaves(X)
        raw = np.empty((n, self.k), dtype=np.float64, order="F")
        for k in range(self.k):
            # scikit-learn: zeros, += baseline, then += each iteration's tree, in order.
            terms = np.column_stack(
                [np.zeros(n), np.full(n, self.baseline[k]), leaves[:, k :: self.k]]
            )
            raw[:, k] = np.add.accumulate(terms, axis=1)[:, -1]
        return raw


def raw_scores(estimator: Any) -> Callable[[np.ndarray], np.ndarray] | None:
    """`X -> estimator._raw_predict(X)` for a float64 matrix in the training feature order,
    walking the trees in numpy for small batches; None when the model is not one whose
    trees this reproduces (categorical splits, an input preprocessor, another class)."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    if type(estimator) not in (HistGradientBoostingClassifier, HistGradientBoostingRegressor):
        return None
    try:
        if getattr(estimator, "_preprocessor", None) is not None:
            return None  # categorical features are encoded first: scikit-learn's path
        if any(t.nodes["is_categorical"].any() for it in estimator._predictors for t in it):
            return None
        trees = _Trees(estimator)
        raw_predict = estimator._raw_predict
    except (AttributeError, KeyError, ValueError, TypeError):  # another scikit-learn's layout
        return None
    n_features = int(estimator.n_features_in_)

    def scores(X: np.ndarray) -> np.ndarray:
        if X.ndim != 2 or X.shape[1] != n_features or X.dtype != np.float64:
            return raw_predict(X)  # scikit-learn checks it and words the error
        if not len(X) or len(X) * len(trees.roots) * max(trees.depth, 1) > SMALL_STEPS:
            return raw_predict(X)
        return trees.raw(X)

    return scores
