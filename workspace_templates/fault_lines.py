"""The six fault-line templates, one per way models fail in production (README), built from
code so their graphs stay reviewable; `make_templates.py` writes them. Each folder's
`template.json` holds the title, description and walkthrough the gallery shows."""

from __future__ import annotations

from studio.core import Workflow


def _place(wf: Workflow, grid: dict[str, tuple[int, int]]) -> None:
    for label, (col, row) in grid.items():
        wf.move_node(label, 40 + col * 210, 40 + row * 130)


def _scoring_path(
    wf: Workflow,
    source: str,
    target: str,
    learner: tuple[str, dict],
    outputs: list[str],
    prep: tuple[str, str, dict] | None = (
        "Scale",
        "preprocessing.normalizer",
        {"method": "zscore"},
    ),
    split: dict | None = None,
) -> None:
    """Roles → Split → (prep) → Learner, with the test rows going through Deployment Input →
    (prep applied) → Predict → Deployment Output, a test Scorer and a Validation Report. The
    preprocessing step is fitted on the training rows only and re-applied to the others."""
    add, c = wf.add_node, wf.connect
    add("manipulation.column_roles", "Roles", {"target": target})
    add(
        "validation.partitioning",
        "Split",
        split
        or {
            "train_fraction": 0.6,
            "validation_fraction": 0.2,
            "method": "stratified",
            "column": target,
            "seed": "$seed",
        },
    )
    add(learner[0], "Learner", {"target": target, **learner[1]})
    add("deployment.input", "Deployment Input")
    add("scoring.predictor", "Predict")
    add("deployment.output", "Deployment Output", {"columns": outputs})
    add("scoring.scorer", "Score test")
    add("validation.validation_report", "Validation Report")
    c(source, 0, "Roles", 0)
    c("Roles", 0, "Split", 0)
    c("Split", "test", "Deployment Input", 0)
    grid = {
        "Roles": (1, 1),
        "Split": (2, 1),
        "Learner": (4, 0),
        "Deployment Input": (3, 2),
        "Predict": (5, 2),
        "Deployment Output": (6, 2),
        "Score test": (6, 3),
        "Validation Report": (6, 1),
    }
    if prep:
        step, type_id, settings = prep
        add(type_id, step, settings)
        add("preprocessing.apply_transform", f"{step} validation")
        add("preprocessing.apply_transform", f"{step} test")
        c("Split", "train", step, 0)
        c(step, "table", "Learner", 0)
        c("Split", "validation", f"{step} validation", "table")
        c(step, "transform", f"{step} validation", "transform")
        c("Deployment Input", 0, f"{step} test", "table")
        c(step, "transform", f"{step} test", "transform")
        train, validation, test = step, f"{step} validation", f"{step} test"
        grid.update({step: (3, 0), validation: (3, 1), test: (4, 2)})
    else:
        c("Split", "train", "Learner", 0)
        train, validation, test = "Split", "Split", "Deployment Input"
    c("Learner", "model", "Predict", "model")
    c(test, 0, "Predict", "table")
    c("Predict", 0, "Deployment Output", 0)
    c("Predict", 0, "Score test", 0)
    c("Learner", "model", "Validation Report", "model")
    c(train, "train" if train == "Split" else "table", "Validation Report", "train")
    c(test, 0, "Validation Report", "test")
    c(validation, "validation" if validation == "Split" else 0, "Validation Report", "validation")
    _place(wf, grid)


def leakage() -> Workflow:
    wf = Workflow.new("Leakage and overfitting (tumour diagnosis)")
    wf.description = (
        "An unlimited decision tree learns the diagnosis from 30 tumour measurements plus "
        "biopsy_code, a column recorded after the diagnosis. Training accuracy is perfect; the "
        "Validation Report fails the model and says why: target leakage (biopsy_code alone "
        "scores what the whole model scores) and the train/held-out gap."
    )
    wf.add_parameter("seed", "integer", 42, "Random seed of the split")
    wf.add_node("io.csv_reader", "Tumours", {"path": "tumours.csv"})
    wf.add_node("manipulation.column_filter", "Drop columns", {"mode": "exclude", "columns": []})
    wf.connect("Tumours", 0, "Drop columns", 0)
    _scoring_path(
        wf,
        "Drop columns",
        "diagnosis",
        ("learners.decision_tree_classifier", {"max_depth": None}),
        ["prediction"],
        prep=None,
    )
    _place(wf, {"Tumours": (-1, 1), "Drop columns": (0, 1)})
    wf.add_annotation(
        "Fix: drop biopsy_code in 'Drop columns', set the tree's max_depth to 3", 40, 0, 560, 30
    )
    return wf


def parity() -> Workflow:
    wf = Workflow.new("Train/serve parity (wine cultivar)")
    wf.description = (
        "Scales 13 chemical measurements (fitted on the training rows only) and learns the "
        "cultivar with logistic regression. `knotwork deploy` freezes exactly that scaler and "
        "model into a signed bundle and refuses to write it unless the bundle reproduces the "
        "training predictions; `serve` and `score` then answer with the same numbers."
    )
    wf.add_parameter("seed", "integer", 42, "Random seed of the split")
    wf.add_node("io.csv_reader", "Wine", {"path": "wine.csv"})
    outputs = ["prediction"] + [f"probability_cultivar_{i}" for i in (1, 2, 3)]
    _scoring_path(wf, "Wine", "cultivar", ("learners.logistic_regression", {}), outputs)
    _place(wf, {"Wine": (0, 1)})
    return wf


def credentials() -> Workflow:
    wf = Workflow.new("Credentials by reference (iris from a database)")
    wf.description = (
        "Reads its training rows with a SQL Reader whose URL and password are workflow "
        "parameters: the shipped SQLite file needs none, a team database gets "
        "`--set db_password=env:IRIS_DB_PASSWORD`, a reference resolved at run time and never "
        "written to the file. `knotwork audit` scans the workflow for secrets, and the bundle "
        "carries its audit for the prod gate."
    )
    wf.add_parameter("seed", "integer", 42, "Random seed of the split")
    wf.add_parameter(
        "db_url",
        "string",
        "sqlite:///iris.sqlite",
        "Database URL without password, e.g. postgresql+psycopg://analyst@db.example.com/flowers",
    )
    wf.add_parameter(
        "db_password",
        "string",
        "",
        "Secret reference for the password (env:IRIS_DB_PASSWORD or keyring:service/user); "
        "empty for SQLite",
    )
    wf.add_node(
        "io.sql_reader",
        "Flowers",
        {"url": "$db_url", "password": "$db_password", "query": "SELECT * FROM flowers"},
    )
    outputs = ["prediction"] + [f"probability_{s}" for s in ("setosa", "versicolor", "virginica")]
    _scoring_path(wf, "Flowers", "species", ("learners.logistic_regression", {}), outputs)
    _place(wf, {"Flowers": (0, 1)})
    return wf


def drift() -> Workflow:
    wf = Workflow.new("Drift and retraining (diabetes clinic visits)")
    wf.description = (
        "Visits are numbered by month; the model learns progression from the months up to "
        "$train_until and a Drift Monitor compares the later months with them: the later "
        "patients are heavier (bmi), so it reports drift. Retrain on every month seen so far "
        "with `knotwork retrain --set train_until=24`."
    )
    wf.add_parameter("seed", "integer", 42, "Random seed of the split")
    wf.add_parameter("train_from", "string", "1", "First month of the training window")
    wf.add_parameter("train_until", "string", "16", "Last month of the training window")
    add, c = wf.add_node, wf.connect
    add("io.csv_reader", "Visits", {"path": "visits.csv"})
    add(
        "manipulation.row_filter",
        "Training months",
        {
            "conditions": [
                {"column": "month", "operator": ">=", "value": "$train_from"},
                {"column": "month", "operator": "<=", "value": "$train_until"},
            ]
        },
    )
    add(
        "manipulation.row_filter",
        "Later months",
        {"conditions": [{"column": "month", "operator": ">", "value": "$train_until"}]},
    )
    add("manipulation.column_filter", "Drop month", {"mode": "exclude", "columns": ["month"]})
    add("manipulation.column_filter", "Drop month later", {"mode": "exclude", "columns": ["month"]})
    c("Visits", 0, "Training months", 0)
    c("Training months", 0, "Drop month", 0)
    c("Visits", 0, "Later months", 0)
    c("Later months", 0, "Drop month later", 0)
    _scoring_path(
        wf,
        "Drop month",
        "progression",
        ("learners.ridge_regression", {}),
        ["prediction"],
        prep=("Encode", "preprocessing.category_encoder", {"method": "one_hot"}),
        split={
            "train_fraction": 0.6,
            "validation_fraction": 0.2,
            "method": "random",
            "seed": "$seed",
        },
    )
    wf.set_setting("Score test", "task", "regression")
    wf.set_setting("Validation Report", "min_score", 0.2)
    add("monitoring.drift", "Watch drift")
    add("monitoring.performance", "Watch error", {"metric": "rmse", "ceiling": 70.0})
    c("Split", "test", "Watch drift", "rows")
    c("Predict", 0, "Watch drift", "predictions")
    c("Drop month later", 0, "Watch drift", "current")
    c("Predict", 0, "Watch error", "scored")
    _place(
        wf,
        {
            "Visits": (-2, 1),
            "Training months": (-1, 1),
            "Drop month": (0, 1),
            "Later months": (-1, 3),
            "Drop month later": (0, 3),
            "Watch drift": (7, 1),
            "Watch error": (7, 2),
        },
    )
    return wf


def registry() -> Workflow:
    wf = Workflow.new("Registry promotion, diff and rollback (tumour diagnosis)")
    wf.description = (
        "A scaled logistic regression whose regularisation C is a parameter. Deploy and register "
        "it twice (C=0.01, then C=1.0), promote each through dev and test, compare them with "
        "`registry diff`, and roll test back to the first version — every step in the audit log."
    )
    wf.add_parameter("seed", "integer", 42, "Random seed of the split")
    wf.add_parameter("C", "number", 0.01, "Inverse regularisation strength of the learner")
    wf.add_node("io.csv_reader", "Tumours", {"path": "tumours.csv"})
    outputs = ["prediction", "probability_benign", "probability_malignant"]
    _scoring_path(
        wf, "Tumours", "diagnosis", ("learners.logistic_regression", {"C": "$C"}), outputs
    )
    _place(wf, {"Tumours": (0, 1)})
    return wf


def one_click_deploy() -> Workflow:
    wf = Workflow.new("One-click deploy from the studio (iris)")
    wf.description = (
        "A small, fast iris classifier with its scoring path marked: click Deploy…, see the "
        "captured nodes highlighted and the columns clients send, Build, then Serve — a local "
        "REST service with a web form, no infrastructure knowledge needed."
    )
    wf.add_parameter("seed", "integer", 42, "Random seed of the split")
    wf.add_node("io.csv_reader", "Iris", {"path": "iris.csv"})
    outputs = ["prediction"] + [f"probability_{s}" for s in ("setosa", "versicolor", "virginica")]
    _scoring_path(wf, "Iris", "species", ("learners.knn_classifier", {"n_neighbors": 7}), outputs)
    _place(wf, {"Iris": (0, 1)})
    return wf


BUILDERS = {
    "leakage": leakage,
    "parity": parity,
    "credentials": credentials,
    "drift": drift,
    "registry": registry,
    "one_click_deploy": one_click_deploy,
}
