"""Every classifier fits on real data, predicts through the Predictor with sensible
accuracy and consistent probability columns, is reproducible, and persists with skops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.metrics import accuracy_score

from studio.core import ExecutionContext, Table, default_catalog
from tests.conftest import run_node

# Small settings keep the suite fast; the floor is what each should beat on held-out rows.
CLASSIFIERS = [
    ("learners.logistic_regression", {}, 0.95),
    ("learners.decision_tree_classifier", {"max_depth": 4}, 0.88),
    ("learners.random_forest_classifier", {"n_estimators": 50}, 0.92),
    ("learners.gradient_boosting_classifier", {"max_iter": 50}, 0.92),
    ("learners.knn_classifier", {"n_neighbors": 7}, 0.93),
    ("learners.naive_bayes", {}, 0.90),
    ("learners.svm_classifier", {}, 0.95),
    ("learners.mlp_classifier", {"hidden_layers": [16], "max_iter": 600}, 0.94),
]
IDS = [c[0].split(".")[1] for c in CLASSIFIERS]


@pytest.fixture(scope="module")
def cancer_split(breast_cancer_df):
    """Stratified train/test of breast cancer, z-scored with statistics of the train rows."""
    table = Table(breast_cancer_df, {"target": "target"})
    train, test, _ = run_node("validation.partitioning", [table], seed=7)
    train_scaled, transform = run_node("preprocessing.normalizer", [train])
    (test_scaled,) = run_node("preprocessing.apply_transform", [transform, test])
    return train_scaled, test_scaled


@pytest.fixture(scope="module")
def fitted(cancer_split):
    """One fit per learner shared by the tests of this module (fits are the slow part)."""
    cache: dict = {}

    def fit(type_id: str, settings: dict):
        if type_id not in cache:
            (cache[type_id],) = run_node(type_id, [cancer_split[0]], **settings)
        return cache[type_id]

    return fit


@pytest.mark.parametrize(("type_id", "settings", "floor"), CLASSIFIERS, ids=IDS)
def test_classifier_predicts_held_out_rows_well_through_the_predictor(
    cancer_split, fitted, type_id, settings, floor
):
    train, test = cancer_split
    model = fitted(type_id, settings)
    assert model.task == "classification" and model.target == "target"
    assert model.classes == ["benign", "malignant"]
    assert len(model.features) == 30 and model.learner == type_id
    assert 0 < model.metrics["accuracy"] <= 1
    (pred,) = run_node("scoring.predictor", [model, test])
    assert accuracy_score(pred.df["target"], pred.df["prediction"]) >= floor
    proba = pred.df[["probability_benign", "probability_malignant"]]
    assert np.allclose(proba.sum(axis=1), 1)
    assert ((proba >= 0) & (proba <= 1)).all().all()


@pytest.mark.parametrize(("type_id", "settings", "floor"), CLASSIFIERS, ids=IDS)
def test_classifier_is_reproducible_and_round_trips_through_skops(
    cancer_split, fitted, type_id, settings, floor
):
    train, test = cancer_split
    first = fitted(type_id, settings)
    (second,) = run_node(type_id, [train], **settings)
    (a,) = run_node("scoring.predictor", [first, test])
    (b,) = run_node("scoring.predictor", [second, test])
    pd.testing.assert_frame_equal(a.df, b.df)
    data = sio.dumps(first.estimator)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    X = test.df[first.features]
    np.testing.assert_array_equal(loaded.predict(X), first.estimator.predict(X))
    np.testing.assert_allclose(loaded.predict_proba(X), first.estimator.predict_proba(X))


@pytest.mark.parametrize(
    "type_id", ["learners.random_forest_classifier", "learners.logistic_regression"]
)
def test_multiclass_penguins_after_missing_value_and_category_encoder(penguins, type_id):
    train, test, _ = run_node("validation.partitioning", [penguins], seed=11)
    filled, fill = run_node("preprocessing.missing_value", [train])
    encoded, enc = run_node("preprocessing.category_encoder", [filled])
    scaled, scale = run_node("preprocessing.normalizer", [encoded])
    (model,) = run_node(type_id, [scaled])
    assert model.classes == ["Adelie", "Chinstrap", "Gentoo"]
    rows = test
    for transform in (fill, enc, scale):
        (rows,) = run_node("preprocessing.apply_transform", [transform, rows])
    (pred,) = run_node("scoring.predictor", [model, rows])
    assert accuracy_score(pred.df["species"], pred.df["prediction"]) >= 0.95
    assert [c for c in pred.df.columns if c.startswith("probability_")] == [
        "probability_Adelie",
        "probability_Chinstrap",
        "probability_Gentoo",
    ]


def test_gradient_boosting_takes_missing_values_as_they_are(penguins):
    df = penguins.df.drop(columns=["island", "sex"])
    assert df.isna().any().any()
    (model,) = run_node(
        "learners.gradient_boosting_classifier", [penguins.with_df(df)], max_iter=30
    )
    (pred,) = run_node("scoring.predictor", [model, penguins.with_df(df)])
    assert pred.df["prediction"].notna().all()
    assert accuracy_score(df["species"], pred.df["prediction"]) > 0.9


def test_classifier_configure_announces_features_and_classes_before_data(penguins_clean):
    df = penguins_clean.df.drop(columns=["island", "sex"]).astype({"species": "category"})
    node_type = default_catalog().get("learners.svm_classifier")
    (spec,) = node_type().configure(
        node_type.validate_settings({}),
        [Table(df, {"species": "target"}).spec()],
        ExecutionContext(catalog=default_catalog()),
    )
    assert spec.task == "classification" and spec.target == "species"
    assert spec.features == (
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "year",
    )
    assert spec.classes == ("Adelie", "Chinstrap", "Gentoo")


def test_every_learner_setting_has_a_description():
    learners = [t for t in default_catalog().all() if t.type_id.startswith("learners.")]
    assert len(learners) >= 18
    for node_type in learners:
        for name, field in node_type.Settings.model_fields.items():
            assert field.description, f"{node_type.type_id}.{name} has no description"


def test_workflow_preprocesses_on_train_only_and_scores_test_rows():
    from studio.core import Workflow
    from tests.conftest import ROOT

    wf = Workflow.new("penguins")
    csv = str(ROOT / "workspace_templates" / "penguins" / "penguins.csv")
    reader = wf.add_node("io.csv_reader", settings={"path": csv})
    split = wf.add_node("validation.partitioning", settings={"column": "species", "seed": 2})
    fill = wf.add_node("preprocessing.missing_value")
    enc = wf.add_node(
        "preprocessing.category_encoder",
        settings={"columns": ["island", "sex"], "method": "ordinal"},
    )
    fill_test = wf.add_node("preprocessing.apply_transform", "Fill test")
    enc_test = wf.add_node("preprocessing.apply_transform", "Encode test")
    learner = wf.add_node(
        "learners.random_forest_classifier", settings={"target": "species", "n_estimators": 30}
    )
    predict = wf.add_node("scoring.predictor")
    for src, sp, dst, dp in [
        (reader, 0, split, 0),
        (split, "train", fill, 0),
        (fill, "table", enc, 0),
        (fill, "transform", fill_test, "transform"),
        (split, "test", fill_test, "table"),
        (enc, "transform", enc_test, "transform"),
        (fill_test, 0, enc_test, "table"),
        (enc, "table", learner, 0),
        (learner, 0, predict, "model"),
        (enc_test, 0, predict, "table"),
    ]:
        wf.connect(src.id, sp, dst.id, dp)
    report = wf.configure()
    assert report.ok, report.problems()
    (model_spec,) = report.output_specs(learner.id)
    assert "species" not in model_spec.features and "island" in model_spec.features
    # Text classes are unknown before the fit, so the probability columns are too: the
    # spec leaves them open and names every other column.
    before = report.output_specs(predict.id)[0]
    assert before.open == ("probability_",) and "prediction" in before.names
    assert before.task_of("prediction") == "classification"
    result = wf.run()
    assert {"prediction", "probability_Adelie"} <= set(
        wf.configure().output_specs(predict.id)[0].names
    )
    assert result.ok, result.errors
    pred = result.output(predict.id).df
    assert len(pred) == len(result.output(split.id, "test").df)
    assert accuracy_score(pred["species"], pred["prediction"]) > 0.9
