"""Deploying through components: the bundle holds their inner nodes, parity holds."""

from __future__ import annotations

import json

from studio.core import Workflow
from studio.core.component_edit import collapse
from studio.core.component_library import insert, library_folders, load_library
from studio.deploy.build import build_bundle
from studio.deploy.bundle import Bundle


def _through_library_preprocessing(csv, tmp_path) -> Workflow:
    """Read → Roles → Split → Standard tabular preprocessing (train; test behind the
    Deployment Input) → Learner → Predict → Deployment Output."""
    wf = Workflow.new("penguins")
    wf.add_node("io.csv_reader", "Read", {"path": str(csv)})
    wf.add_node("manipulation.column_roles", "Roles", {"target": "species"})
    wf.add_node("validation.partitioning", "Split", {"column": "species", "train_fraction": 0.6})
    wf.add_node("deployment.input", "Deployment Input")
    library, _ = load_library(library_folders(workspace=tmp_path))
    prep = insert(wf, library["standard-preprocessing"], (0, 0))
    wf.add_node("learners.logistic_regression", "Learner", {"target": "species"})
    wf.add_node("scoring.predictor", "Predict")
    wf.add_node("deployment.output", "Deployment Output")
    wf.connect("Read", 0, "Roles", 0)
    wf.connect("Roles", 0, "Split", 0)
    wf.connect("Split", "train", prep.id, "train")
    wf.connect("Split", "test", "Deployment Input", "table")
    wf.connect("Deployment Input", "table", prep.id, "test")
    wf.connect(prep.id, "prepared train", "Learner", "training data")
    wf.connect("Learner", "model", "Predict", "model")
    wf.connect(prep.id, "prepared test", "Predict", "table")
    wf.connect("Predict", "predictions", "Deployment Output", "table")
    wf.save(tmp_path / "through-component.knotwork.json")
    return wf


def test_a_bundle_captures_the_scoring_path_through_a_component(penguins_with_gaps_csv, tmp_path):
    wf = _through_library_preprocessing(penguins_with_gaps_csv, tmp_path)
    built = build_bundle(wf, tmp_path / "bundles" / "through")
    assert built.parity["passed"]
    graph = json.loads((built.path / "graph.json").read_text())
    types = sorted(n["type_id"] for n in graph["workflow"]["nodes"])
    assert not [t for t in types if t.startswith("component.")]
    assert types.count("preprocessing.apply_transform") == 3
    assert built.manifest["source"]["path"] == str(wf.path)
    assert built.manifest["source"]["unsaved_changes"] is False
    # the bundle answers what the component-holding workflow predicts
    assert wf.run().ok
    rows = wf.output("Deployment Input", "table").df
    expected = wf.output("Predict", "predictions").df["prediction"].tolist()
    answered = Bundle.load(built.path).predict(rows.drop(columns=["species"]))
    assert answered["prediction"].tolist() == expected


def test_deployment_markers_inside_a_component_are_captured(penguins_with_gaps_csv, tmp_path):
    wf = _through_library_preprocessing(penguins_with_gaps_csv, tmp_path)
    scoring = [
        n.id
        for n in wf.nodes
        if n.label in ("Deployment Input", "Learner", "Predict", "Deployment Output")
    ]
    prep = next(n.id for n in wf.nodes if n.type_id.startswith("component."))
    collapse(wf, [*scoring, prep], "Scoring path")
    built = build_bundle(wf, tmp_path / "bundles" / "inside")
    assert built.parity["passed"]
    assert built.manifest["input_node"]["label"] == "Deployment Input"
