"""Estimated Performance: a classifier's metric estimated without labels (CBPE, through
`studio.monitor.PerformanceEstimator`), calibrated on these held-out rows. In the
training run it reports the estimate next to the realised metric on the same rows."""

from __future__ import annotations

from typing import Any

import pandas as pd

from studio.core import ConfigureError, NodeExecutionError
from studio.monitor import (
    ASSUMPTIONS,
    EstimatedPerformanceSpec,
    EstimationSettings,
    MonitorError,
    PerformanceEstimator,
    WindowSettings,
)
from studio.monitor.performance import compute_metric

from .base import WINDOW_PREFIX, MonitoringNode, composed_settings, part, retrain_of, window
from .scored import SCORED, labelled, score_matrix, scored_columns, scored_fields

Settings = composed_settings(
    "Settings",
    __name__,
    scored_fields(),
    {"": EstimationSettings, WINDOW_PREFIX: WindowSettings},
    skip=("ceiling", WINDOW_PREFIX + "min_rows"),  # an estimate alerts below a floor
)


class EstimatedPerformance(MonitoringNode):
    type_id = "monitoring.estimated_performance"
    name = "Estimated Performance"
    description = (
        "Declares a classifier metric (accuracy, F1, ROC AUC) the server estimates from the "
        "model's scores without labels, calibrated on these held-out rows. " + ASSUMPTIONS
    )
    keywords = ("cbpe", "estimated", "performance", "monitor", "monitoring", "unlabelled")
    inputs = (SCORED,)
    report_columns = {
        "metric": "string",
        "estimated": "number",
        "realised": "number",
        "floor": "number",
        "verdict": "string",
        "n_rows": "integer",
        "min_rows": "integer",
        "assumptions": "string",
    }
    Settings = Settings

    def monitor_spec(self, s: Any, specs: list[Any], label: str) -> EstimatedPerformanceSpec:
        columns = scored_columns(s, specs[0])
        if len(columns.scores) < 2:  # accuracy and F1 too: the estimate comes from the scores
            raise ConfigureError(
                "estimated performance needs a classifier's class probability columns "
                "(probability_<class>): connect a Predictor with probabilities on",
                where="score_columns",
            )
        return EstimatedPerformanceSpec(
            name=label or self.name,
            prediction=columns.prediction,
            scores=columns.scores,
            truth=columns.truth,
            settings=part(EstimationSettings, s),
            window=window(s, min_rows=s.min_rows),
            retrain=retrain_of(s),
        )

    def reference(self, s: Any, inputs: list[Any]) -> pd.DataFrame:
        table = inputs[0]
        return table.df[scored_columns(s, table.spec()).needed]

    def report(self, spec: EstimatedPerformanceSpec, reference, s, inputs) -> list[dict[str, Any]]:
        columns = scored_columns(s, inputs[0].spec())
        rows = labelled(reference, columns, spec.settings.metric)
        scores, classes = score_matrix(rows, columns), list(spec.scores)
        predicted = rows[spec.prediction] if spec.prediction else None
        try:
            estimator = PerformanceEstimator(spec.settings, classes).fit(scores, rows[spec.truth])
            estimator.update(scores, predicted)
        except MonitorError as exc:
            raise NodeExecutionError(str(exc)) from None
        status = estimator.status()
        realised = compute_metric(
            spec.settings.metric,
            rows[spec.truth],
            predicted if predicted is not None else [classes[i] for i in scores.argmax(axis=1)],
            scores,
            classes,
            spec.settings.positive_label,
        )
        return [
            {
                "metric": status.metric,
                "estimated": status.value,
                "realised": realised,
                "floor": status.floor,
                "verdict": status.verdict.value,
                "n_rows": status.n_rows,
                "min_rows": status.min_rows,
                "assumptions": ASSUMPTIONS,
            }
        ]
