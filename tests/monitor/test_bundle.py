"""Reading a bundle's monitors: the manifest section `monitoring` (built here by hand,
as deploy writes it) and the default Drift Monitor of a bundle without one."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from studio.monitor import (
    DriftMonitorSpec,
    MonitorError,
    PerformanceMonitorSpec,
    evaluate_frame,
)
from studio.monitor.bundle import DEFAULT_NOTE, bundle_monitors, prepare_bundle_monitors

from .conftest import table


class FileBundle:
    """What the reader needs of a bundle: its manifest and its files by name."""

    def __init__(self, manifest: dict, files: dict[str, bytes]):
        self.name, self.version = "churn", "3"
        self.manifest = manifest
        self._files = files

    def file(self, name: str) -> bytes:
        if name not in self._files:
            raise MonitorError(f"the bundle has no file {name!r}")
        return self._files[name]


def _parquet(df: pd.DataFrame) -> bytes:
    out = io.BytesIO()
    df.to_parquet(out, index=False)
    return out.getvalue()


def _schema(columns: list[str]) -> dict:
    return {"columns": [{"name": c, "dtype": "number", "categories": None} for c in columns]}


def test_a_bundle_without_the_section_gets_a_default_drift_monitor_on_every_input():
    ref = table(400, seed=1).assign(target=1)  # the sample also holds the target
    bundle = FileBundle(
        {"input_schema": _schema(["age", "income", "plan"])},
        {"reference/sample.parquet": _parquet(ref)},
    )
    monitoring = bundle_monitors(bundle)
    (entry,) = monitoring.entries
    assert monitoring.notes == [DEFAULT_NOTE]
    assert isinstance(entry.spec, DriftMonitorSpec)
    assert entry.spec.columns == ["age", "income", "plan"]
    assert list(entry.reference.columns) == ["age", "income", "plan"]
    (monitor,) = prepare_bundle_monitors(bundle, monitoring)
    shifted = evaluate_frame([monitor], table(400, seed=2, shift=0.5), "churn")
    column = shifted.monitors[0].drift.column("age")
    assert column.drifted and not shifted.monitors[0].drift.column("plan").drifted


def test_the_manifest_section_gives_the_monitors_their_references_and_training():
    ref = table(500, seed=3)
    drift = DriftMonitorSpec(name="Inputs", columns=["age", "plan"])
    floor = PerformanceMonitorSpec(
        name="Accuracy", prediction="prediction", settings={"metric": "accuracy", "floor": 0.9}
    )
    bundle = FileBundle(
        {
            "input_schema": _schema(["age", "plan"]),
            "monitoring": {
                "monitors": [
                    {
                        "spec": drift.model_dump(mode="json"),
                        "reference": "reference/monitor-1.parquet",
                        "node": "Drift Monitor",
                        "training": {"drifted_share": 0.0},
                    },
                    {"spec": floor.model_dump(mode="json"), "node": "Performance Monitor"},
                ],
                "notes": ["two monitors"],
            },
        },
        {"reference/monitor-1.parquet": _parquet(ref[["age", "plan"]])},
    )
    monitoring = bundle_monitors(bundle)
    assert monitoring.notes == ["two monitors"]
    assert [e.node for e in monitoring.entries] == ["Drift Monitor", "Performance Monitor"]
    assert monitoring.entries[0].training == {"drifted_share": 0.0}
    assert monitoring.entries[0].spec == drift and monitoring.entries[1].spec == floor
    assert monitoring.entries[1].reference is None
    monitors = prepare_bundle_monitors(bundle, monitoring)
    rows = table(200, seed=4)
    rng = np.random.default_rng(0)
    rows["label"] = rng.choice(["a", "b"], len(rows))
    rows["prediction"] = np.where(rng.random(len(rows)) < 0.6, rows["label"], "b")
    status = evaluate_frame(monitors, rows, "churn", truth="label")
    accuracy = status.monitors[1]
    assert accuracy.metric.value == pytest.approx((rows.prediction == rows.label).mean())
    assert accuracy.verdict.value == "alert"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"monitors": [{"spec": {"kind": "nonsense"}}]}, "not a valid monitor definition"),
        ([], "malformed"),
        (
            {"monitors": [{"spec": {"kind": "drift"}, "reference": "reference/gone.parquet"}]},
            "reference/gone.parquet",
        ),
        (
            {"monitors": [{"spec": {"kind": "drift"}}, {"spec": {"kind": "drift"}}]},
            "share a name",
        ),
    ],
)
def test_a_bad_section_is_an_error_naming_the_problem(section, message):
    bundle = FileBundle({"input_schema": _schema(["age"]), "monitoring": section}, {})
    with pytest.raises(MonitorError, match=message):
        bundle_monitors(bundle)
