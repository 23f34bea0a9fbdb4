"""Writes the component files shipped with Knotwork (run from the repository root:
`python nodes/components/library/make_library.py`). Each component is built with the
Python API, so the files are exactly what the studio would save; bump VERSION of one
whose inner workflow changes, so linked copies in users' workflows offer the update."""

from __future__ import annotations

from pathlib import Path

from studio.core import Workflow
from studio.core.component import LIBRARY_FORMAT, LIBRARY_SUFFIX, slug
from studio.core.fileformat import atomic_write, dumps, inner_workflow_dict

HERE = Path(__file__).resolve().parent


def _stable_ids(wf: Workflow) -> Workflow:
    """The same workflow with ids made from labels, so regenerating a file changes nothing."""
    out = Workflow.new()
    out.parameters = wf.parameters
    ids = {
        n.id: ("port-" if n.type_id.startswith("component.") else "") + slug(n.label)
        for n in wf.nodes
    }
    for n in wf.nodes:
        out.add_node(n.type_id, n.label, n.settings, id=ids[n.id], position=wf.layout[n.id])
    for lk in wf.links:
        out.connect(ids[lk.source], lk.source_port, ids[lk.target], lk.target_port)
    return out


def _write(cid: str, name: str, description: str, version: int, inner: Workflow) -> None:
    data = {
        "format_version": LIBRARY_FORMAT,
        "kind": "knotwork-component",
        "id": cid,
        "name": name,
        "description": description,
        "version": version,
        "workflow": inner_workflow_dict(_stable_ids(inner)),
        "components": {},
    }
    atomic_write(HERE / f"{cid}{LIBRARY_SUFFIX}", dumps(data))


def repeated_cv() -> None:
    wf = Workflow.new()
    wf.add_parameter("folds", "integer", 5, "Folds per repeat")
    wf.add_parameter("repeats", "integer", 3, "Times the folds are cut on reshuffled rows")
    wf.add_parameter("seed", "integer", 42, "Random seed of the folds")
    model = wf.add_node("component.input.model", "model", {"order": 0}, position=(0, 0))
    table = wf.add_node("component.input.table", "table", {"order": 1}, position=(0, 120))
    cv = wf.add_node(
        "validation.cross_validation",
        "Repeated stratified CV",
        {"method": "stratified", "folds": "$folds", "repeats": "$repeats", "seed": "$seed"},
        position=(240, 60),
    )
    plot = wf.add_node(
        "visualization.box_plot",
        "Score spread",
        {"columns": ["accuracy", "balanced_accuracy", "f1_macro"]},
        position=(480, 0),
    )
    wf.connect(model.id, "value", cv.id, "model")
    wf.connect(table.id, "value", cv.id, "table")
    wf.connect(cv.id, "fold scores", plot.id, "table")
    for i, (label, kind, src, port) in enumerate(
        [
            ("fold scores", "table", cv.id, "fold scores"),
            ("summary", "metrics", cv.id, "summary"),
            ("score spread", "figure", plot.id, "figure"),
            ("out-of-fold predictions", "table", cv.id, "out-of-fold predictions"),
        ]
    ):
        out = wf.add_node(f"component.output.{kind}", label, {"order": i}, position=(720, 100 * i))
        wf.connect(src, port, out.id, "value")
    _write(
        "repeated-stratified-cv",
        "Repeated stratified cross-validation with report",
        "Refits the model's learner on repeats × folds stratified folds (classes keep their "
        "shares in every fold) and reports every fold's scores, their mean and spread, and a "
        "box plot of the spread.",
        1,
        wf,
    )


def standard_preprocessing() -> None:
    wf = Workflow.new()
    wf.add_parameter("numbers", "string", "median", "Missing numbers: mean, median, most_frequent")
    wf.add_parameter("encoding", "string", "one_hot", "Categories: one_hot or ordinal")
    wf.add_parameter("scaling", "string", "zscore", "Scaling: zscore, minmax or robust")
    train = wf.add_node("component.input.table", "train", {"order": 0}, position=(0, 0))
    test = wf.add_node("component.input.table", "test", {"order": 1}, position=(0, 160))
    steps = [
        ("preprocessing.missing_value", "Impute", {"numbers": "$numbers"}),
        ("preprocessing.category_encoder", "Encode", {"method": "$encoding"}),
        ("preprocessing.normalizer", "Scale", {"method": "$scaling"}),
    ]
    fit_from, apply_from = (train.id, "value"), (test.id, "value")
    for i, (type_id, label, settings) in enumerate(steps):
        fit = wf.add_node(type_id, label, settings, position=(220 + 200 * i, 0))
        use = wf.add_node(
            "preprocessing.apply_transform", f"{label} test", position=(220 + 200 * i, 160)
        )
        wf.connect(*fit_from, fit.id, "table")
        wf.connect(fit.id, "transform", use.id, "transform")
        wf.connect(*apply_from, use.id, "table")
        fit_from, apply_from = (fit.id, "table"), (use.id, "table")
    for i, (label, src) in enumerate([("prepared train", fit_from), ("prepared test", apply_from)]):
        out = wf.add_node("component.output.table", label, {"order": i}, position=(860, 160 * i))
        wf.connect(*src, out.id, "value")
    _write(
        "standard-preprocessing",
        "Standard tabular preprocessing (impute, encode, scale, fitted on train only)",
        "Fills missing values, encodes categories and scales numbers, each fitted on the "
        "train rows only and applied unchanged to the test rows (deployable: the test path "
        "is what a bundle captures).",
        1,
        wf,
    )


if __name__ == "__main__":
    repeated_cv()
    standard_preprocessing()
