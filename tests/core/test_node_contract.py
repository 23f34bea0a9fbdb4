"""The node contract as the engine uses it: `stateful` follows from fit/apply, `run_node`
is the one way to run a node, and a node's surroundings reach it only through the context."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.core import (
    Catalog,
    ExecutionContext,
    NodeType,
    Port,
    PortType,
    StatefulNodeType,
    Table,
    Transform,
    Workflow,
    default_catalog,
)
from studio.core.node import run_node


class Shift(StatefulNodeType):
    """Subtracts the training mean of column `x`; counts its fits so tests can see them."""

    type_id = "test.shift"
    name = "Shift"
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE), Port("transform", PortType.TRANSFORM))
    fits = 0

    def configure(self, s, specs, ctx):
        return [specs[0], None]

    def fit(self, s, inputs, ctx):
        Shift.fits += 1
        return {"mean": float(inputs[0].df["x"].mean())}

    def apply(self, s, state, inputs, ctx):
        df = inputs[0].df.assign(x=inputs[0].df["x"] - state["mean"])
        return [Table(df), Transform("shift", ["x"], state, self.type_id, {})]


class Source(NodeType):
    type_id = "test.source"
    name = "Source"
    outputs = (Port("table", PortType.TABLE),)

    def execute(self, s, inputs, ctx):
        return [Table(pd.DataFrame({"x": [1.0, 2.0, 6.0]}))]


def test_stateful_follows_from_the_class_and_cannot_be_set_apart():
    assert Shift.stateful and Shift.describe()["stateful"] is True
    assert not Source.stateful and Source.describe()["stateful"] is False
    with pytest.raises(TypeError, match="subclass StatefulNodeType"):
        type("Flagged", (NodeType,), {"type_id": "test.flagged", "stateful": True})


def test_run_node_fits_then_applies_and_with_frozen_state_only_applies():
    table = Table(pd.DataFrame({"x": [1.0, 3.0]}))
    ctx = ExecutionContext()
    Shift.fits = 0
    (trained, _), fitted = run_node(Shift, Shift.Settings(), [table], ctx)
    assert fitted == {"mean": 2.0} and Shift.fits == 1
    (frozen, _), state = run_node(Shift, Shift.Settings(), [table], ctx, state=fitted)
    assert Shift.fits == 1 and state is fitted
    pd.testing.assert_frame_equal(trained.df, frozen.df)
    outputs, none = run_node(Source, Source.Settings(), [], ctx)
    assert none is None and list(outputs[0].df["x"]) == [1.0, 2.0, 6.0]


def test_apply_transform_finds_the_fitting_node_in_the_workflows_own_catalogue():
    wf = Workflow(Catalog([*default_catalog().all(), Shift, Source]))
    wf.add_node("test.source", "train")
    wf.add_node("test.shift", "shift")
    wf.add_node("test.source", "test")
    wf.add_node("preprocessing.apply_transform", "apply")
    wf.connect("train", 0, "shift", 0)
    wf.connect("shift", "transform", "apply", "transform")
    wf.connect("test", 0, "apply", "table")
    result = wf.run()
    assert result.ok, result.errors
    assert list(result.output("apply").df["x"]) == [-2.0, -1.0, 3.0]


def test_relative_paths_resolve_against_the_workflow_folder_through_the_context(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    wf = Workflow()
    wf.add_node("io.csv_reader", "read", {"path": "data.csv"})
    wf.save(tmp_path / "w.knotwork.json")
    loaded = Workflow.load(tmp_path / "w.knotwork.json")
    assert loaded.node_context("read").resolve_path("data.csv") == str(tmp_path / "data.csv")
    assert loaded.configure().output_specs("read")[0].names == ["a", "b"]
    assert loaded.run().output("read").df.to_dict("list") == {"a": [1], "b": [2]}


class Seen(NodeType):
    """Records the specs it is configured with; its second input is optional."""

    type_id = "test.seen"
    name = "Seen"
    inputs = (Port("table", PortType.TABLE), Port("extra", PortType.TABLE, optional=True))
    outputs = (Port("table", PortType.TABLE),)
    calls: list = []

    def configure(self, s, specs, ctx):
        Seen.calls.append(list(specs))
        return [specs[0]]

    def execute(self, s, inputs, ctx):
        return [inputs[0]]


def test_an_unknown_required_spec_gives_unknown_outputs_without_calling_configure():
    wf = Workflow(Catalog([*default_catalog().all(), Source, Seen]))
    wf.add_node("test.source", "unknown")  # configure by default: its spec is known from data only
    wf.add_node("test.seen", "after")
    wf.connect("unknown", 0, "after", 0)
    Seen.calls = []
    report = wf.configure()
    assert report.ok and report.output_specs("after") == [None] and Seen.calls == []
    assert wf.state("after") == "configured"
    assert wf.run().ok and Seen.calls == []
    wf.configure()  # the source ran: its real spec is known now
    assert len(Seen.calls) == 1 and Seen.calls[0][0] is not None


def test_an_unknown_optional_spec_still_reaches_configure():
    wf = Workflow(Catalog([*default_catalog().all(), Source, Seen]))
    wf.add_node("io.table_creator", "known")
    wf.add_node("test.source", "unknown")
    wf.add_node("test.seen", "after")
    wf.connect("known", 0, "after", "table")
    wf.connect("unknown", 0, "after", "extra")
    Seen.calls = []
    report = wf.configure()
    assert report.ok, report.problems()
    assert len(Seen.calls) == 1 and Seen.calls[0][0] is not None and Seen.calls[0][1] is None
