"""Performance Monitor: the metric a deployed model's server computes from `/feedback`
(labelled rows) over a window, and the floor or ceiling it must keep. In the training
run it reports that metric on the held-out rows and its verdict."""

from __future__ import annotations

from typing import Any

import pandas as pd

from studio.core import ConfigureError
from studio.monitor import PerformanceMonitorSpec, PerformanceSettings, WindowSettings
from studio.monitor.performance import SCORE_METRICS, evaluate_performance

from .base import WINDOW_PREFIX, MonitoringNode, composed_settings, part, retrain_of, window
from .scored import SCORED, labelled, score_matrix, scored_columns, scored_fields

Settings = composed_settings(
    "Settings",
    __name__,
    scored_fields(),
    {"": PerformanceSettings, WINDOW_PREFIX: WindowSettings},
    skip=(WINDOW_PREFIX + "min_rows",),  # the labelled-row minimum is `min_rows`
)

METRIC_REPORT = {
    "metric": "string",
    "value": "number",
    "floor": "number",
    "ceiling": "number",
    "verdict": "string",
    "n_rows": "integer",
    "min_rows": "integer",
}


class PerformanceMonitor(MonitoringNode):
    type_id = "monitoring.performance"
    name = "Performance Monitor"
    description = (
        "Declares the metric a deployed model's server computes from feedback (true labels) "
        "and the floor or ceiling it must keep; reports it on these held-out rows."
    )
    keywords = ("performance", "accuracy", "monitor", "monitoring", "feedback", "rmse", "auc")
    inputs = (SCORED,)
    report_columns = METRIC_REPORT
    Settings = Settings

    def monitor_spec(self, s: Any, specs: list[Any], label: str) -> PerformanceMonitorSpec:
        columns = scored_columns(s, specs[0])
        if not columns.prediction:
            raise ConfigureError(
                "choose the column with the model's prediction", where="prediction_column"
            )
        settings = part(PerformanceSettings, s)
        wanted = settings.metric in SCORE_METRICS or s.score_columns
        return PerformanceMonitorSpec(
            name=label or self.name,
            prediction=columns.prediction or "",
            scores=columns.scores if wanted else {},
            settings=settings,
            window=window(s, min_rows=s.min_rows),
            retrain=retrain_of(s),
        )

    def reference(self, s: Any, inputs: list[Any]) -> pd.DataFrame:
        table = inputs[0]
        spec = self.monitor_spec(s, [table.spec()], "")
        truth = scored_columns(s, table.spec()).truth
        return table.df[list(dict.fromkeys([truth, spec.prediction, *spec.scores.values()]))]

    def report(self, spec: PerformanceMonitorSpec, reference, s, inputs) -> list[dict[str, Any]]:
        columns = scored_columns(s, inputs[0].spec())
        rows = labelled(reference, columns, spec.settings.metric)
        scores = score_matrix(rows, columns) if spec.scores else None
        status = evaluate_performance(
            spec.settings,
            rows[columns.truth],
            rows[spec.prediction],
            scores,
            list(spec.scores) if spec.scores else None,
        )
        return [{**status.model_dump(include=set(METRIC_REPORT)), "verdict": status.verdict.value}]
