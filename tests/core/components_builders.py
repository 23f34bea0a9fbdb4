"""A small deployable penguins workflow whose preprocessing can become a component."""

from __future__ import annotations

from pathlib import Path

from studio.core import Workflow

from .builders import PENGUINS

PREPROCESSING = ["Impute", "Encode", "Scale", "Impute test", "Encode test", "Scale test"]


def scoring_workflow(folder: Path) -> Workflow:
    """CSV → roles → split ($seed) → impute/encode/scale fitted on train, applied to the
    test rows behind a Deployment Input → learner → predict → Deployment Output, score."""
    wf = Workflow.new("scoring")
    wf.add_parameter("seed", "integer", 3, "Split seed")
    wf.add_node("io.csv_reader", "Penguins", {"path": str(PENGUINS)}, position=(0, 0))
    wf.add_node("manipulation.column_roles", "Roles", {"target": "species"}, position=(120, 0))
    wf.add_node(
        "validation.partitioning",
        "Split",
        {"column": "species", "seed": "$seed", "train_fraction": 0.7},
        position=(240, 0),
    )
    wf.add_node("preprocessing.missing_value", "Impute", position=(360, 0))
    wf.add_node("preprocessing.category_encoder", "Encode", position=(480, 0))
    wf.add_node("preprocessing.normalizer", "Scale", position=(600, 0))
    wf.add_node("deployment.input", "Deployment Input", position=(300, 150))
    for i, step in enumerate(["Impute", "Encode", "Scale"]):
        wf.add_node("preprocessing.apply_transform", f"{step} test", position=(360 + 120 * i, 150))
    wf.add_node("learners.logistic_regression", "Learner", {"target": "species"}, position=(720, 0))
    wf.add_node("scoring.predictor", "Predict", position=(840, 150))
    wf.add_node("deployment.output", "Deployment Output", position=(960, 150))
    wf.add_node("scoring.scorer", "Score", position=(960, 250))
    wf.connect("Penguins", 0, "Roles", 0)
    wf.connect("Roles", 0, "Split", 0)
    wf.connect("Split", "train", "Impute", "table")
    wf.connect("Impute", "table", "Encode", "table")
    wf.connect("Encode", "table", "Scale", "table")
    wf.connect("Split", "test", "Deployment Input", "table")
    previous = "Deployment Input"
    for step in ["Impute", "Encode", "Scale"]:
        wf.connect(step, "transform", f"{step} test", "transform")
        wf.connect(previous, "table", f"{step} test", "table")
        previous = f"{step} test"
    wf.connect("Scale", "table", "Learner", "training data")
    wf.connect("Learner", "model", "Predict", "model")
    wf.connect("Scale test", "table", "Predict", "table")
    wf.connect("Predict", "predictions", "Deployment Output", "table")
    wf.connect("Predict", "predictions", "Score", "predictions")
    wf.path = folder / "scoring.knotwork.json"
    return wf
