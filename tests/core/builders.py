"""Small real workflows for the engine tests (penguins data, real scikit-learn)."""

from __future__ import annotations

import threading
from pathlib import Path

from pydantic import Field

from studio.core import (
    Catalog,
    NodeExecutionError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
    Workflow,
    default_catalog,
)

ROOT = Path(__file__).resolve().parents[2]
PENGUINS = ROOT / "workspace_templates" / "penguins" / "penguins.csv"


class Fail(NodeType):
    """Fails on purpose: the failure-isolation tests need a node that always breaks."""

    type_id = "test.fail"
    name = "Fail"
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)

    def configure(self, s, specs, ctx):
        return [specs[0]]

    def execute(self, s, inputs, ctx):
        raise NodeExecutionError("this node always fails")


class WaitSettings(NodeSettings):
    steps: int = Field(1000, ge=1)


class Wait(NodeType):
    """Reports progress until cancelled, so cancellation is tested without timing."""

    type_id = "test.wait"
    name = "Wait"
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)
    Settings = WaitSettings
    started = threading.Event()

    def configure(self, s, specs, ctx):
        return [specs[0]]

    def execute(self, s, inputs, ctx):
        Wait.started.set()
        gate = threading.Event()
        for i in range(s.steps):
            ctx.progress(i / s.steps)
            gate.wait(0.01)
        return [inputs[0]]


def make_catalog() -> Catalog:
    return Catalog([*default_catalog().all(), Fail, Wait])


def starter(catalog: Catalog | None = None, csv: Path = PENGUINS) -> Workflow:
    """CSV → drop columns with text/NaNs → partition → logistic regression → predict → score."""
    wf = Workflow.new("starter", catalog)
    wf.add_node("io.csv_reader", "Penguins", {"path": str(csv)})
    wf.add_node("manipulation.column_filter", "Numeric", {"columns": ["island", "sex", "year"]})
    wf.add_node("validation.partitioning", "Split", {"column": "species", "train_fraction": 0.7})
    wf.add_node("learners.logistic_regression", "Learner", {"target": "species"})
    wf.add_node("scoring.predictor", "Predict")
    wf.add_node("scoring.scorer", "Score", {"truth_column": "species"})
    wf.connect("Penguins", 0, "Numeric", 0)
    wf.connect("Numeric", 0, "Split", 0)
    wf.connect("Split", "train", "Learner", 0)
    wf.connect("Learner", "model", "Predict", "model")
    wf.connect("Split", "test", "Predict", "table")
    wf.connect("Predict", 0, "Score", 0)
    return wf


def zero_ratio(tmp_path: Path) -> Workflow:
    """CSV of a, b with zeros in b (rows 1 and 3) → Expression "a / b": a node that warns."""
    csv = tmp_path / "ab.csv"
    csv.write_text("a,b\n1,0\n2,4\n3,0\n")
    wf = Workflow.new("ratio")
    wf.add_node("io.csv_reader", "Data", {"path": str(csv)})
    wf.add_node("manipulation.expression", "Ratio", {"column": "r", "expression": "a / b"})
    wf.connect("Data", 0, "Ratio", 0)
    return wf


def clean_penguins(tmp_path: Path) -> Path:
    import pandas as pd

    out = tmp_path / "penguins_clean.csv"
    pd.read_csv(PENGUINS).dropna().to_csv(out, index=False)
    return out


__all__ = ["Fail", "Wait", "make_catalog", "starter", "clean_penguins", "zero_ratio", "Table"]
