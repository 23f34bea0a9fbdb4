"""Regenerates the template workflows in this folder from code (run from the repo root:
`python workspace_templates/make_templates.py`; `make_data.py` writes the fault-line
templates' data, `fault_lines.py` builds their graphs). The JSON files are what ships."""

from __future__ import annotations

from pathlib import Path

from studio.core import Workflow

HERE = Path(__file__).resolve().parent


def _place(wf: Workflow, grid: dict[str, tuple[int, int]]) -> None:
    for label, (col, row) in grid.items():
        wf.move_node(label, 40 + col * 210, 40 + row * 130)


def penguins() -> Workflow:
    wf = Workflow.new("Penguin species (classification)")
    wf.description = (
        "Starter: predicts a penguin's species from its measurements. Preprocessing is fitted on the "
        "training rows only and re-applied to validation and test rows; a parameter search tunes the "
        "model; the Validation Report checks it; the Deployment Input/Output pair marks the scoring path "
        "that `knotwork deploy` captures; the Drift, Performance and Estimated Performance monitors "
        "go into the bundle for the server to watch."
    )
    wf.add_parameter("seed", "integer", 42, "Random seed of the split and the search")
    add = wf.add_node
    add("io.csv_reader", "Penguins", {"path": "penguins.csv"})
    add("manipulation.column_filter", "Drop year", {"mode": "exclude", "columns": ["year"]})
    add("manipulation.column_roles", "Roles", {"target": "species"})
    add(
        "validation.partitioning",
        "Split",
        {
            "train_fraction": 0.6,
            "validation_fraction": 0.2,
            "method": "stratified",
            "column": "species",
            "seed": "$seed",
        },
    )
    add("preprocessing.missing_value", "Impute")
    add("preprocessing.category_encoder", "Encode", {"method": "one_hot", "unseen": "ignore"})
    add("preprocessing.normalizer", "Scale", {"method": "zscore"})
    add("learners.logistic_regression", "Learner", {"target": "species"})
    add(
        "validation.parameter_search",
        "Tune",
        {"search_space": {"C": [0.01, 0.1, 1.0, 10.0]}, "folds": 5, "seed": "$seed"},
    )
    add("validation.cross_validation", "Cross-validate", {"folds": 5, "seed": "$seed"})
    for stage in ("validation", "test"):
        for step in ("Impute", "Encode", "Scale"):
            add("preprocessing.apply_transform", f"{step} {stage}")
    add("deployment.input", "Deployment Input")
    add("scoring.predictor", "Predict")
    add(
        "deployment.output",
        "Deployment Output",
        {
            "columns": [
                "prediction",
                "probability_Adelie",
                "probability_Chinstrap",
                "probability_Gentoo",
            ]
        },
    )
    add("scoring.scorer", "Score test")
    add("validation.validation_report", "Validation Report")
    add("monitoring.drift", "Watch drift")
    add("monitoring.performance", "Watch accuracy", {"metric": "accuracy", "floor": 0.9})
    add("monitoring.estimated_performance", "Estimated accuracy", {"floor": 0.9})
    c = wf.connect
    c("Penguins", 0, "Drop year", 0)
    c("Drop year", 0, "Roles", 0)
    c("Roles", 0, "Split", 0)
    c("Split", "train", "Impute", 0)
    c("Impute", "table", "Encode", 0)
    c("Encode", "table", "Scale", 0)
    c("Scale", "table", "Learner", 0)
    c("Learner", "model", "Tune", "model")
    c("Scale", "table", "Tune", "table")
    c("Tune", "model", "Cross-validate", "model")
    c("Scale", "table", "Cross-validate", "table")
    c("Split", "validation", "Impute validation", "table")
    c("Split", "test", "Deployment Input", 0)
    c("Deployment Input", 0, "Impute test", "table")
    for stage in ("validation", "test"):
        c("Impute", "transform", f"Impute {stage}", "transform")
        c(f"Impute {stage}", 0, f"Encode {stage}", "table")
        c("Encode", "transform", f"Encode {stage}", "transform")
        c(f"Encode {stage}", 0, f"Scale {stage}", "table")
        c("Scale", "transform", f"Scale {stage}", "transform")
    c("Tune", "model", "Predict", "model")
    c("Scale test", 0, "Predict", "table")
    c("Predict", 0, "Deployment Output", 0)
    c("Predict", 0, "Score test", 0)
    c("Tune", "model", "Validation Report", "model")
    c("Scale", "table", "Validation Report", "train")
    c("Scale test", 0, "Validation Report", "test")
    c("Scale validation", 0, "Validation Report", "validation")
    c("Cross-validate", "fold scores", "Validation Report", "fold scores")
    c("Split", "test", "Watch drift", "rows")
    c("Predict", 0, "Watch drift", "predictions")
    c("Split", "validation", "Watch drift", "current")
    c("Predict", 0, "Watch accuracy", "scored")
    c("Predict", 0, "Estimated accuracy", "scored")
    _place(
        wf,
        {
            "Penguins": (0, 1),
            "Drop year": (1, 1),
            "Roles": (2, 1),
            "Split": (3, 1),
            "Impute": (4, 0),
            "Encode": (5, 0),
            "Scale": (6, 0),
            "Learner": (7, 0),
            "Tune": (8, 0),
            "Cross-validate": (9, 0),
            "Impute validation": (4, 1),
            "Encode validation": (5, 1),
            "Scale validation": (6, 1),
            "Deployment Input": (4, 2),
            "Impute test": (5, 2),
            "Encode test": (6, 2),
            "Scale test": (7, 2),
            "Predict": (9, 2),
            "Deployment Output": (10, 2),
            "Score test": (10, 3),
            "Validation Report": (10, 1),
            "Watch drift": (11, 1),
            "Watch accuracy": (11, 2),
            "Estimated accuracy": (11, 3),
        },
    )
    wf.add_annotation("Fitted on the training rows only", 40 + 4 * 210, 0, 600, 30)
    wf.add_annotation(
        "Scoring path captured by `knotwork deploy`", 40 + 4 * 210, 40 + 3 * 130, 600, 30
    )
    wf.add_annotation(
        "Monitors the server runs (reference: the held-out rows)", 40 + 11 * 210, 0, 400, 30
    )
    return wf


def diabetes() -> Workflow:
    wf = Workflow.new("Diabetes progression (regression)")
    wf.description = (
        "Predicts disease progression one year on from ten baseline measurements with histogram "
        "gradient boosting; the encoder is fitted on training rows only; a parameter search tunes depth "
        "and learning rate; the Validation Report checks the result; a Drift Monitor and a "
        "Performance Monitor (RMSE) go into the bundle for the server to watch."
    )
    wf.add_parameter("seed", "integer", 42, "Random seed of the split and the search")
    add = wf.add_node
    add("io.csv_reader", "Diabetes", {"path": "diabetes.csv"})
    add("manipulation.column_roles", "Roles", {"target": "progression"})
    add(
        "validation.partitioning",
        "Split",
        {"train_fraction": 0.6, "validation_fraction": 0.2, "method": "random", "seed": "$seed"},
    )
    add("preprocessing.category_encoder", "Encode", {"method": "one_hot"})
    add(
        "learners.gradient_boosting_regressor",
        "Learner",
        {"target": "progression", "max_iter": 100, "seed": "$seed"},
    )
    add(
        "validation.parameter_search",
        "Tune",
        {
            "search_space": {"learning_rate": [0.03, 0.1], "max_depth": [2, 3]},
            "method": "kfold",
            "folds": 5,
            "seed": "$seed",
        },
    )
    add("preprocessing.apply_transform", "Encode validation")
    add("deployment.input", "Deployment Input")
    add("preprocessing.apply_transform", "Encode test")
    add("scoring.predictor", "Predict")
    add("deployment.output", "Deployment Output", {"columns": ["prediction"]})
    add("scoring.scorer", "Score test", {"task": "regression"})
    add("validation.validation_report", "Validation Report", {"min_score": 0.25, "max_gap": 0.35})
    add("monitoring.drift", "Watch drift")
    add("monitoring.performance", "Watch error", {"metric": "rmse", "ceiling": 75.0})
    c = wf.connect
    c("Diabetes", 0, "Roles", 0)
    c("Roles", 0, "Split", 0)
    c("Split", "train", "Encode", 0)
    c("Encode", "table", "Learner", 0)
    c("Learner", "model", "Tune", "model")
    c("Encode", "table", "Tune", "table")
    c("Encode", "transform", "Encode validation", "transform")
    c("Split", "validation", "Encode validation", "table")
    c("Split", "test", "Deployment Input", 0)
    c("Encode", "transform", "Encode test", "transform")
    c("Deployment Input", 0, "Encode test", "table")
    c("Tune", "model", "Predict", "model")
    c("Encode test", 0, "Predict", "table")
    c("Predict", 0, "Deployment Output", 0)
    c("Predict", 0, "Score test", 0)
    c("Tune", "model", "Validation Report", "model")
    c("Encode", "table", "Validation Report", "train")
    c("Encode test", 0, "Validation Report", "test")
    c("Encode validation", 0, "Validation Report", "validation")
    c("Split", "test", "Watch drift", "rows")
    c("Predict", 0, "Watch drift", "predictions")
    c("Split", "validation", "Watch drift", "current")
    c("Predict", 0, "Watch error", "scored")
    _place(
        wf,
        {
            "Diabetes": (0, 1),
            "Roles": (1, 1),
            "Split": (2, 1),
            "Encode": (3, 0),
            "Learner": (4, 0),
            "Tune": (5, 0),
            "Encode validation": (3, 1),
            "Deployment Input": (3, 2),
            "Encode test": (4, 2),
            "Predict": (6, 2),
            "Deployment Output": (7, 2),
            "Score test": (7, 3),
            "Validation Report": (7, 1),
            "Watch drift": (8, 1),
            "Watch error": (8, 2),
        },
    )
    return wf


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(HERE))
    from fault_lines import BUILDERS  # noqa: E402 (a sibling script, not a package)

    builders = {"penguins": penguins, "diabetes": diabetes, **BUILDERS}
    # Name the templates to rewrite (new node ids make a noisy diff): default all of them.
    for name in sys.argv[1:] or builders:
        builders[name]().save(HERE / name / f"{name}.knotwork.json")
    print("templates written")
