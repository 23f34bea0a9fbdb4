"""Drift Monitor: which columns a deployed model's server compares with the held-out rows,
with which test and threshold (`studio.monitor.DriftSettings`), over which window.

In the training run it reports the test and threshold per column against the reference
rows or, with `current` connected (e.g. the validation split), the statistics of those
rows against the reference, so the analyst sees what will be watched before deploying.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from studio.core import NodeExecutionError, Port, PortType
from studio.core.node import ColumnField, ColumnsField
from studio.core.ports import TableSpec
from studio.monitor import DriftMonitorSpec, DriftSettings, MonitorError, WindowSettings
from studio.monitor.drift import ReferenceProfile, detect_drift

from .base import WINDOW_PREFIX, MonitoringNode, composed_settings, part, retrain_of, window

# Roles that are not inputs a server sees or a meaningful distribution to watch.
UNWATCHED_ROLES = ("target", "id")
NOT_COMPARED = "not in the current rows"
WATCHED = "watched"

Settings = composed_settings(
    "Settings",
    __name__,
    {
        "columns": (
            list[str],
            ColumnsField(
                description="Columns to watch (default: every input column plus the prediction)"
            ),
        ),
        "prediction_column": (
            str | None,
            ColumnField(
                "prediction",
                port=1,
                description="Prediction column watched by default, when `predictions` is connected",
            ),
        ),
    },
    {"": DriftSettings, WINDOW_PREFIX: WindowSettings},
)


def joined_spec(rows: TableSpec, predictions: TableSpec | None) -> TableSpec:
    """Rows plus the predictions' columns the rows lack (joined by index)."""
    if predictions is None:
        return rows
    extra = tuple(c for c in predictions.columns if c.name not in rows.names)
    return TableSpec(rows.columns + extra, rows.roles)


class DriftMonitor(MonitoringNode):
    type_id = "monitoring.drift"
    name = "Drift Monitor"
    description = (
        "Declares which columns a deployed model's server watches for drift against these "
        "held-out rows (KS / chi-square / Z-test on small references, Wasserstein / "
        "Jensen-Shannon on large ones, PSI on request) and when the dataset counts as drifted."
    )
    keywords = ("drift", "monitor", "monitoring", "ks", "psi", "wasserstein", "chi-square")
    inputs = (
        Port(
            "rows",
            PortType.TABLE,
            description="Rows as they reach the Deployment Input (e.g. the test split)",
        ),
        Port(
            "predictions",
            PortType.TABLE,
            optional=True,
            description="The Predictor's or Deployment Output's table; its new columns are joined by index",
        ),
        Port(
            "current",
            PortType.TABLE,
            optional=True,
            description="Rows to compare with the reference in training (e.g. the validation split)",
        ),
    )
    report_columns = {
        "column": "string",
        "kind": "string",
        "test": "string",
        "statistic": "number",
        "p_value": "number",
        "threshold": "number",
        "verdict": "string",
        "n_reference": "integer",
        "n_current": "integer",
    }
    Settings = Settings

    def monitor_spec(self, s: Any, specs: list[Any], label: str) -> DriftMonitorSpec:
        rows, predictions = specs[0], specs[1]
        available = joined_spec(rows, predictions)
        available.require(s.columns, setting="columns", source="the rows and predictions")
        columns = list(s.columns)
        if not columns:
            columns = [c for c in rows.names if rows.role_of(c) not in UNWATCHED_ROLES]
            if predictions is not None and s.prediction_column:
                predictions.require(s.prediction_column, setting="prediction_column")
                if s.prediction_column not in columns:
                    columns.append(s.prediction_column)
        return DriftMonitorSpec(
            name=label or self.name,
            columns=columns,
            settings=part(DriftSettings, s),
            window=window(s),
            retrain=retrain_of(s),
        )

    def reference(self, s: Any, inputs: list[Any]) -> pd.DataFrame:
        rows, predictions = inputs[0], inputs[1]
        df = rows.df
        if predictions is not None:
            extra = [c for c in predictions.df.columns if c not in df.columns]
            if extra and not df.index.isin(predictions.df.index).any():
                raise NodeExecutionError(
                    "the predictions share no row with the rows (joined by index): connect "
                    "the predictions made for these rows",
                    where="input port 'predictions'",
                )
            df = df.join(predictions.df[extra])
        spec = self.monitor_spec(s, [rows.spec(), predictions.spec() if predictions else None], "")
        return df[spec.columns]

    def report(self, spec: DriftMonitorSpec, reference, s, inputs) -> list[dict[str, Any]]:
        current = inputs[2]
        try:
            if current is None:
                return self._watched(spec, reference, spec.columns)
            return self._compared(spec, reference, current.df)
        except MonitorError as exc:
            raise NodeExecutionError(str(exc)) from None

    def _watched(
        self, spec: DriftMonitorSpec, reference: pd.DataFrame, columns: list[str]
    ) -> list[dict[str, Any]]:
        profile = ReferenceProfile.from_frame(reference, spec.settings, columns)
        return [
            {
                "column": p.column,
                "kind": p.kind,
                "test": p.test,
                "threshold": spec.settings.threshold(p.test),
                "verdict": WATCHED,
                "n_reference": p.n,
                "n_current": 0,
            }
            for p in profile.columns.values()
        ]

    def _compared(
        self, spec: DriftMonitorSpec, reference: pd.DataFrame, current: pd.DataFrame
    ) -> list[dict[str, Any]]:
        compared = [c for c in spec.columns if c in current.columns]
        drift = detect_drift(
            reference, current[compared], spec.settings, compared, min_rows=spec.window.min_rows
        )
        rows = [
            {**c.model_dump(exclude={"drifted"}), "verdict": c.verdict.value} for c in drift.columns
        ]
        missing = [c for c in spec.columns if c not in compared]
        if missing:
            rows += self._watched(spec, reference, missing)
            for row in rows[-len(missing) :]:
                row["verdict"] = NOT_COMPARED
        rows.append(
            {
                "column": "(dataset)",
                "kind": "dataset",
                "test": "drifted share",
                "statistic": drift.drifted_share,
                "threshold": drift.drift_share,
                "verdict": drift.verdict.value,
                "n_reference": drift.n_reference,
                "n_current": drift.n_current,
            }
        )
        return rows
