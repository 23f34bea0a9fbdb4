"""Monitor definitions (what a Monitoring node declares and the bundle carries in
`manifest.json` → `monitoring`) and the prepared monitors that evaluate chunks of rows.

A definition is plain pydantic data; `prepare(definition, reference)` does the reference
work once (drift profile, score calibration), so each evaluation only streams the window.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, Field

from .drift import DriftAccumulator, DriftSettings, ReferenceProfile
from .errors import MonitorError
from .estimation import EstimationSettings, PerformanceEstimator
from .frames import TRUTH, TS
from .performance import SCORE_METRICS, PerformanceSettings, evaluate_performance
from .status import MetricStatus, MonitorStatus, WindowInfo
from .windows import Window, WindowSettings


class _Retrainable(BaseModel):
    retrain: str | None = Field(
        None,
        description="Training workflow `knotwork monitor watch` reruns when this monitor "
        "alerts (a path relative to the workflow the bundle was built from)",
    )


class DriftMonitorSpec(_Retrainable):
    kind: Literal["drift"] = "drift"
    name: str = "Drift"
    columns: list[str] | None = Field(None, description="Columns to watch (default: all)")
    settings: DriftSettings = DriftSettings()
    window: WindowSettings = WindowSettings()


class PerformanceMonitorSpec(_Retrainable):
    kind: Literal["performance"] = "performance"
    name: str = "Performance"
    prediction: str = Field(description="The output column holding the prediction")
    scores: dict[str, str] = Field(
        default_factory=dict, description="Class → probability column (ROC AUC, log loss)"
    )
    settings: PerformanceSettings = PerformanceSettings()
    window: WindowSettings = WindowSettings()


class EstimatedPerformanceSpec(_Retrainable):
    kind: Literal["estimated_performance"] = "estimated_performance"
    name: str = "Estimated performance"
    prediction: str | None = Field(None, description="The output column of predicted labels")
    scores: dict[str, str] = Field(description="Class → probability column")
    truth: str = Field(description="The reference column holding the true labels")
    settings: EstimationSettings = EstimationSettings()
    window: WindowSettings = WindowSettings()


MonitorSpec = Annotated[
    DriftMonitorSpec | PerformanceMonitorSpec | EstimatedPerformanceSpec,
    Field(discriminator="kind"),
]


class _Span:
    """Rows seen and their time span while chunks stream past."""

    def __init__(self):
        self.n_rows = 0
        self.start: float | None = None
        self.end: float | None = None

    def add(self, chunk: pd.DataFrame) -> None:
        self.n_rows += len(chunk)
        if TS in chunk.columns and len(chunk):
            lo, hi = float(chunk[TS].min()), float(chunk[TS].max())
            self.start = lo if self.start is None else min(self.start, lo)
            self.end = hi if self.end is None else max(self.end, hi)

    def info(self, window: Window | None, spec_window: WindowSettings):
        window = window or Window("all", spec_window.label)
        return window.info(self.n_rows, self.start, self.end)


def _require(frame: pd.DataFrame, columns: list[str], monitor: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise MonitorError(
            f"monitor {monitor!r}: columns {missing} are not in the rows "
            f"(they have {list(frame.columns)})"
        )


def _metric_status(spec, metric: MetricStatus, window: WindowInfo, rows: str) -> MonitorStatus:
    return MonitorStatus(
        name=spec.name,
        kind=spec.kind,
        verdict=metric.verdict,
        window=window,
        metric=metric,
        message=f"{metric.metric} on {metric.n_rows} {rows}",
    )


class DriftMonitor:
    needs_truth = False

    def __init__(self, spec: DriftMonitorSpec, reference: pd.DataFrame):
        self.spec = spec
        self.profile = ReferenceProfile.from_frame(reference, spec.settings, spec.columns)

    def evaluate(
        self, chunks: Iterable[pd.DataFrame], window: Window | None = None, truth: str = TRUTH
    ) -> MonitorStatus:
        acc, span = DriftAccumulator(self.profile, self.spec.settings), _Span()
        for chunk in chunks:
            span.add(chunk)
            acc.update(chunk)
        drift = acc.result(self.spec.window.min_rows)
        return MonitorStatus(
            name=self.spec.name,
            kind="drift",
            verdict=drift.verdict,
            window=span.info(window, self.spec.window),
            drift=drift,
            message=f"{sum(c.drifted for c in drift.columns)} of {len(drift.columns)} columns drifted",
        )


class PerformanceMonitor:
    needs_truth = True

    def __init__(self, spec: PerformanceMonitorSpec):
        if spec.settings.metric in SCORE_METRICS and not spec.scores:
            raise MonitorError(
                f"monitor {spec.name!r}: {spec.settings.metric} needs the probability column of "
                "each class (scores)"
            )
        self.spec = spec

    def evaluate(
        self, chunks: Iterable[pd.DataFrame], window: Window | None = None, truth: str = TRUTH
    ) -> MonitorStatus:
        spec, span = self.spec, _Span()
        cols = [spec.prediction, *spec.scores.values()]
        y_true, y_pred, scores = [], [], []
        for chunk in chunks:
            _require(chunk, [truth, *cols], spec.name)
            labelled = chunk[chunk[truth].notna()]
            span.add(labelled)
            y_true.extend(labelled[truth].tolist())
            y_pred.extend(labelled[spec.prediction].tolist())
            if spec.scores:
                scores.append(labelled[list(spec.scores.values())].to_numpy(dtype=float))
        matrix = np.concatenate(scores) if scores else None
        classes = list(spec.scores) if spec.scores else None
        metric = evaluate_performance(spec.settings, y_true, y_pred, matrix, classes)
        return _metric_status(spec, metric, span.info(window, spec.window), "labelled rows")


class EstimatedPerformanceMonitor:
    needs_truth = False

    def __init__(self, spec: EstimatedPerformanceSpec, reference: pd.DataFrame):
        self.spec = spec
        _require(reference, [spec.truth, *spec.scores.values()], spec.name)
        labelled = reference[reference[spec.truth].notna()]
        self.estimator = PerformanceEstimator(spec.settings, list(spec.scores)).fit(
            labelled[list(spec.scores.values())].to_numpy(dtype=float), labelled[spec.truth]
        )

    def evaluate(
        self, chunks: Iterable[pd.DataFrame], window: Window | None = None, truth: str = TRUTH
    ) -> MonitorStatus:
        spec, span = self.spec, _Span()
        self.estimator.reset()
        cols = list(spec.scores.values())
        for chunk in chunks:
            _require(chunk, cols + ([spec.prediction] if spec.prediction else []), spec.name)
            span.add(chunk)
            predicted = chunk[spec.prediction] if spec.prediction else None
            self.estimator.update(chunk[cols].to_numpy(dtype=float), predicted)
        metric = self.estimator.status()
        return _metric_status(spec, metric, span.info(window, spec.window), "rows (estimated)")


Monitor = DriftMonitor | PerformanceMonitor | EstimatedPerformanceMonitor


def prepare(spec: MonitorSpec, reference: pd.DataFrame | None = None) -> Monitor:
    """The runnable monitor for a definition; drift and estimation need the reference."""
    if isinstance(spec, PerformanceMonitorSpec):
        return PerformanceMonitor(spec)
    if reference is None:
        raise MonitorError(f"monitor {spec.name!r} needs the reference data (held-out rows)")
    if isinstance(spec, DriftMonitorSpec):
        return DriftMonitor(spec, reference)
    return EstimatedPerformanceMonitor(spec, reference)
