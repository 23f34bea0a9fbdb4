"""Retraining fixtures: a synthetic stream whose relationship can change (before the
drift the label follows x1, after it x2), a training workflow reading either a CSV file
or the monitoring store, and a workspace with its own registry, policy and store."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from studio.core import Workflow
from studio.registry import Registry

from ..monitor.conftest import webhook  # noqa: F401  (a real receiver on 127.0.0.1)

OUTPUTS = ["prediction", "probability_0", "probability_1"]
POLICY = {
    "policies": {
        "test": {"parity_passed": True, "previous_environment": True},
        "prod": {
            "parity_passed": True,
            "signature_valid": True,
            "previous_environment": True,
            "beats_current": {"margin": 0.05, "since": "1h", "min_rows": 50},
        },
    }
}


def stream(n: int, seed: int, drifted: bool = False) -> pd.DataFrame:
    """x1, x2 ~ N(0, 1); the label is x1 > 0 before the drift and x2 > 0 after it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    y = (x[:, 1] > 0) if drifted else (x[:, 0] > 0)
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "truth": y.astype(int)})


def training_workflow(
    folder: Path,
    *,
    csv: Path | None = None,
    store: str | None = None,
    model: str = "stream",
    retrain: str | None = None,
) -> Path:
    """Source → split → logistic regression; the test rows go Deployment Input → Predictor
    → Deployment Output, watched by a Performance Monitor (accuracy floor 0.8) that may
    name the workflow `monitor watch` retrains on its alert."""
    wf = Workflow.new(model)
    wf.add_parameter("since", "string", "1h", "how far back the production rows go")
    if csv is not None:
        read = wf.add_node("io.csv_reader", label="Read", settings={"path": str(csv)})
        source = wf.add_node(
            "manipulation.column_roles", label="Roles", settings={"target": "truth"}
        )
        wf.connect(read.id, 0, source.id, 0)
    else:
        source = wf.add_node(
            "monitoring.reader",
            label="Recent production rows",
            settings={"url": store, "model": model, "since": "$since", "columns": ["x1", "x2"]},
        )
    split = wf.add_node(
        "validation.partitioning", label="Split", settings={"column": "truth", "seed": 3}
    )
    learn = wf.add_node("learners.logistic_regression", label="Learner")
    dep_in = wf.add_node("deployment.input")
    predict = wf.add_node("scoring.predictor", label="Predict")
    dep_out = wf.add_node("deployment.output", settings={"columns": OUTPUTS})
    watch = wf.add_node(
        "monitoring.performance",
        label="Watch accuracy",
        settings={
            "floor": 0.8,
            "min_rows": 50,
            "window_size": "200",
            "retrain_workflow": retrain or "",
        },
    )
    wf.connect(source.id, 0, split.id, 0)
    wf.connect(split.id, "train", learn.id, 0)
    wf.connect(split.id, "test", dep_in.id, 0)
    wf.connect(learn.id, 0, predict.id, "model")
    wf.connect(dep_in.id, 0, predict.id, "table")
    wf.connect(predict.id, 0, dep_out.id, 0)
    wf.connect(predict.id, 0, watch.id, 0)
    path = folder / f"{model}-{'csv' if csv else 'store'}.knotwork.json"
    wf.save(path)
    return path


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A workspace with the test policy; registry and store are files inside it."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "knotwork-registry.json").write_text(json.dumps(POLICY))
    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KNOTWORK_WORKSPACE", str(ws))
    monkeypatch.setenv("KNOTWORK_MONITOR_URL", f"sqlite:///{ws / 'monitor.db'}")
    for var in ("KNOTWORK_REGISTRY_URL", "KNOTWORK_REGISTRY_POLICY", "KNOTWORK_ALERT_URLS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(ws)
    return ws


@pytest.fixture
def registry(workspace):
    reg = Registry(workspace=workspace)
    yield reg
    reg.close()
