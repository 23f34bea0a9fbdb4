"""Estimated performance of a classifier without labels: confidence-based performance
estimation (CBPE). The model's scores are calibrated on the held-out reference (which has
labels) with isotonic regression; on unlabelled rows each row's calibrated probabilities
are its expected row of the confusion matrix, and their sum estimates accuracy, F1 and
ROC AUC. Accuracy and F1 accumulate per chunk in a k x k matrix; ROC AUC keeps the scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import Field
from sklearn.isotonic import IsotonicRegression

from .errors import MonitorError
from .performance import PerformanceSettings, judge, labels
from .status import MetricStatus

ASSUMPTIONS = (
    "Estimated without labels (confidence-based performance estimation): assumes the "
    "model's scores, calibrated on the held-out reference, stay calibrated on new rows, "
    "i.e. the inputs may shift but the relation between inputs and target does not "
    "(no concept drift). Concept drift is invisible to it; confirm with feedback."
)

EstimatedMetric = Literal["accuracy", "f1", "roc_auc"]


class EstimationSettings(PerformanceSettings):
    metric: EstimatedMetric = Field("accuracy", description="The metric to estimate")


class ScoreCalibrator:
    """Isotonic calibration of class scores: the positive class for binary models, one
    versus rest per class (then rows renormalised to sum to one) for multiclass."""

    def __init__(self, classes: Sequence):
        self.classes = labels(classes)
        if len(self.classes) < 2:
            raise MonitorError("estimated performance needs a classifier with two or more classes")
        self.models_: list[IsotonicRegression] = []

    def fit(self, scores: np.ndarray, y_true: Sequence) -> ScoreCalibrator:
        scores, truth = self._check(scores), labels(y_true)
        unknown = set(np.unique(truth)) - set(self.classes)
        if unknown:
            raise MonitorError(
                f"reference labels {sorted(map(str, unknown))} are not classes of the model "
                f"({[str(c) for c in self.classes]})"
            )
        targets = range(1, 2) if len(self.classes) == 2 else range(len(self.classes))
        self.models_ = [
            IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(
                scores[:, c], (truth == self.classes[c]).astype(float)
            )
            for c in targets
        ]
        return self

    def transform(self, scores: np.ndarray) -> np.ndarray:
        scores = self._check(scores)
        if len(self.classes) == 2:
            positive = self.models_[0].predict(scores[:, 1])
            return np.column_stack([1 - positive, positive])
        probs = np.column_stack([m.predict(scores[:, c]) for c, m in enumerate(self.models_)])
        total = probs.sum(axis=1, keepdims=True)
        uniform = np.full_like(probs, 1 / probs.shape[1])
        return np.where(total > 0, probs / np.where(total > 0, total, 1), uniform)

    def _check(self, scores: np.ndarray) -> np.ndarray:
        scores = np.asarray(scores, dtype=float)
        if scores.ndim != 2 or scores.shape[1] != len(self.classes):
            raise MonitorError(
                f"expected one score column per class ({len(self.classes)}), got shape {scores.shape}"
            )
        return scores


def expected_confusion(probs: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """E[true, predicted]: each row adds its calibrated probabilities to its predicted column."""
    k = probs.shape[1]
    matrix = np.zeros((k, k))
    for j in range(k):
        matrix[:, j] = probs[predicted == j].sum(axis=0)
    return matrix


def f1_from_confusion(matrix: np.ndarray, positive: int | None) -> float:
    """Binary F1 of `positive`, or macro F1 over every class when `positive` is None."""
    tp = np.diag(matrix)
    fp = matrix.sum(axis=0) - tp
    fn = matrix.sum(axis=1) - tp
    denom = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return float(f1[positive] if positive is not None else f1.mean())


def expected_roc_auc(raw: np.ndarray, probs: np.ndarray) -> float | None:
    """AUC of the ROC curve whose positives at each threshold of the raw score are the
    calibrated probabilities (expected true and false positives)."""
    order = np.argsort(-raw, kind="stable")
    raw, probs = raw[order], probs[order]
    positives, negatives = probs.sum(), (1 - probs).sum()
    if positives <= 0 or negatives <= 0:
        return None
    last_of_tie = np.r_[raw[1:] != raw[:-1], True]
    tpr = np.r_[0.0, np.cumsum(probs)[last_of_tie] / positives]
    fpr = np.r_[0.0, np.cumsum(1 - probs)[last_of_tie] / negatives]
    return float(np.trapezoid(tpr, fpr) if hasattr(np, "trapezoid") else np.trapz(tpr, fpr))


class PerformanceEstimator:
    """CBPE for one classifier: `fit` on the labelled reference, then `update` with chunks of
    unlabelled rows and read `status()`; memory is a k x k matrix (plus scores for ROC AUC)."""

    def __init__(self, settings: EstimationSettings, classes: Sequence):
        self.settings = settings
        self.calibrator = ScoreCalibrator(classes)
        self.classes = self.calibrator.classes
        self.reset()

    def fit(self, scores: np.ndarray, y_true: Sequence) -> PerformanceEstimator:
        self.calibrator.fit(scores, y_true)
        return self

    def reset(self) -> None:
        k = len(self.classes)
        self.n_rows = 0
        self._confusion = np.zeros((k, k))
        self._raw: list[np.ndarray] = []
        self._probs: list[np.ndarray] = []

    def update(self, scores: np.ndarray, y_pred: Sequence | None = None) -> None:
        """Add unlabelled rows: their scores and, if the model's labels differ from the
        highest score (a tuned threshold), the predicted labels it served."""
        scores = self.calibrator._check(scores)
        probs = self.calibrator.transform(scores)
        predicted = self._indices(y_pred) if y_pred is not None else scores.argmax(axis=1)
        self.n_rows += len(scores)
        self._confusion += expected_confusion(probs, predicted)
        if self.settings.metric == "roc_auc":
            self._raw.append(scores)
            self._probs.append(probs)

    def _indices(self, y_pred: Sequence) -> np.ndarray:
        pred = labels(y_pred)
        lookup = {c: i for i, c in enumerate(self.classes)}
        unknown = sorted({str(p) for p in pred if p not in lookup})
        if unknown:
            raise MonitorError(f"predicted labels {unknown} are not classes of the model")
        return np.array([lookup[p] for p in pred], dtype=np.int64)

    def estimate(self) -> float | None:
        if self.n_rows == 0:
            return None
        metric = self.settings.metric
        if metric == "accuracy":
            return float(np.trace(self._confusion) / self.n_rows)
        positive = self._positive()
        if metric == "f1":
            return f1_from_confusion(self._confusion, positive)
        raw, probs = np.concatenate(self._raw), np.concatenate(self._probs)
        if positive is not None:
            return expected_roc_auc(raw[:, positive], probs[:, positive])
        aucs = [expected_roc_auc(raw[:, c], probs[:, c]) for c in range(len(self.classes))]
        return None if any(a is None for a in aucs) else float(np.mean(aucs))

    def _positive(self) -> int | None:
        if len(self.classes) > 2:
            return None
        if self.settings.positive_label is None:
            return 1
        found = np.flatnonzero(self.classes == labels([self.settings.positive_label])[0])
        if not len(found):
            raise MonitorError(
                f"positive_label {self.settings.positive_label!r} is not a class of the model "
                f"({[str(c) for c in self.classes]})"
            )
        return int(found[0])

    def status(self) -> MetricStatus:
        value = self.estimate() if self.n_rows >= self.settings.min_rows else None
        return judge(
            self.settings.metric,
            value,
            self.n_rows,
            self.settings,
            estimated=True,
            assumptions=ASSUMPTIONS,
        )
