"""Validation Report on real data: each check fires on the fault it is for and stays
quiet on a sound model."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

from studio.core import ConfigureError, Model, Table
from tests.conftest import run_node

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


def fitted(est, table: Table, features: list[str], task: str = "classification") -> Model:
    target = table.target()
    est.fit(table.df[features], table.df[target])
    return Model(
        est, task, features, target, list(est.classes_) if task == "classification" else None
    )


def split(table: Table, **kw):
    return run_node("validation.partitioning", [table], **kw)


def report(model, train, test, validation=None, folds=None, **settings):
    rep, result, out = run_node(
        "validation.validation_report", [model, train, test, validation, folds], **settings
    )
    return {c["check"]: c for c in result.values["checks"]}, result.values, rep, out


def logreg(C: float = 1.0):
    return make_pipeline(StandardScaler(), LogisticRegression(C=C))


@pytest.fixture
def noisy_cancer(breast_cancer_df) -> Table:
    """Breast cancer with 15% of the labels flipped: a model that memorises rows pays for it."""
    df = breast_cancer_df.copy()
    flip = np.random.default_rng(1).random(len(df)) < 0.15
    df.loc[flip, "target"] = df.loc[flip, "target"].map(
        {"malignant": "benign", "benign": "malignant"}
    )
    return Table(df, {"target": "target"})


def test_leakage_check_fires_when_a_species_code_is_among_the_features(penguins_clean):
    df = penguins_clean.df.assign(
        species_code=penguins_clean.df["species"].map({"Adelie": 0, "Chinstrap": 1, "Gentoo": 2})
    )
    train, test, _ = split(penguins_clean.with_df(df))
    model = fitted(logreg(), train, [*FEATURES, "species_code"])
    checks, result, _, _ = report(model, train, test)
    leak = checks["target leakage"]
    assert leak["status"] == "fail"
    assert leak["value"] == pytest.approx(1.0)
    assert "'species_code'" in leak["message"]
    assert result["status"] == "fail"


def test_leakage_check_stays_quiet_on_the_clean_penguin_measurements(penguins_clean):
    train, test, _ = split(penguins_clean)
    checks, result, _, _ = report(fitted(logreg(), train, FEATURES), train, test)
    leak = checks["target leakage"]
    assert leak["status"] == "pass"
    assert 0.5 < leak["value"] < 0.9
    assert result["status"] == "pass"


def test_a_relabelled_copy_of_the_target_is_caught_as_a_one_to_one_mapping(penguins_clean):
    codes = {"Adelie": 7, "Chinstrap": 3, "Gentoo": 5}
    df = penguins_clean.df.assign(label_id=penguins_clean.df["species"].map(codes))
    train, test, _ = split(penguins_clean.with_df(df))
    checks, _, _, _ = report(fitted(logreg(), train, ["bill_depth_mm", "label_id"]), train, test)
    assert checks["target leakage"]["status"] == "fail"
    assert "'label_id'" in checks["target leakage"]["message"]


def test_leakage_check_on_regression_fires_for_a_near_copy_of_the_target(diabetes_df):
    df = diabetes_df.assign(
        target_noisy=diabetes_df["target"] + np.random.default_rng(0).normal(0, 1, len(diabetes_df))
    )
    features = ["bmi", "bp", "s5"]
    train, test, _ = split(Table(df, {"target": "target"}), method="random")
    clean, _, _, _ = report(fitted(Ridge(), train, features, "regression"), train, test)
    leaky, _, _, _ = report(
        fitted(Ridge(), train, [*features, "target_noisy"], "regression"), train, test
    )
    assert clean["target leakage"]["status"] == "pass"
    assert leaky["target leakage"]["status"] == "fail"
    assert "'target_noisy'" in leaky["target leakage"]["message"]


def test_overfitting_check_fires_for_an_unpruned_tree_on_noisy_labels(noisy_cancer):
    train, test, _ = split(noisy_cancer)
    checks, _, _, _ = report(
        fitted(
            DecisionTreeClassifier(random_state=0), train, noisy_cancer.df.columns[:-1].tolist()
        ),
        train,
        test,
        max_gap=0.08,
    )
    over = checks["overfitting (test)"]
    assert over["status"] == "fail"
    assert over["value"] > 0.2
    assert "1.000 on train" in over["message"]


def test_overfitting_check_stays_quiet_for_a_regularised_logistic_regression(noisy_cancer):
    train, test, _ = split(noisy_cancer)
    checks, _, _, _ = report(
        fitted(logreg(C=0.1), train, noisy_cancer.df.columns[:-1].tolist()),
        train,
        test,
        max_gap=0.08,
    )
    assert checks["overfitting (test)"]["status"] == "pass"
    assert checks["overfitting (test)"]["value"] < 0.04


def test_overlap_check_fires_when_the_test_rows_are_the_training_rows(penguins_clean):
    train, _, _ = split(penguins_clean)
    checks, result, _, _ = report(fitted(logreg(), train, FEATURES), train, train)
    overlap = checks["held-out rows (test)"]
    assert overlap["status"] == "fail"
    assert overlap["value"] == pytest.approx(1.0)
    assert f"{len(train)} of {len(train)} test rows" in overlap["message"]
    assert result["status"] == "fail"


def test_a_few_duplicated_rows_only_warn_within_the_tolerated_share(penguins_clean):
    train, test, _ = split(penguins_clean)
    leaked = test.with_df(test.df.copy())
    leaked.df.iloc[0] = train.df.iloc[0]
    checks, _, _, _ = report(fitted(logreg(), train, FEATURES), train, leaked, max_overlap=0.05)
    assert checks["held-out rows (test)"]["status"] == "warn"
    assert checks["held-out rows (test)"]["value"] == pytest.approx(1 / len(test))


def test_an_empty_test_table_fails_the_held_out_check(penguins_clean):
    train, test, _ = split(penguins_clean)
    checks, result, _, _ = report(
        fitted(logreg(), train, FEATURES), train, test.with_df(test.df.iloc[:0])
    )
    assert checks["held-out rows (test)"]["status"] == "fail"
    assert "empty" in checks["held-out rows (test)"]["message"]
    assert result["status"] == "fail"


def test_score_floor_fails_a_model_that_always_predicts_the_commonest_class(penguins_clean):
    train, test, _ = split(penguins_clean)
    checks, _, _, _ = report(fitted(DummyClassifier(), train, FEATURES), train, test, min_score=0.6)
    floor = checks["score floor (test)"]
    assert floor["status"] == "fail"
    assert floor["value"] == pytest.approx(1 / 3)


def test_validation_table_gets_its_own_overlap_gap_and_floor_checks(penguins_clean):
    train, test, validation = split(penguins_clean, validation_fraction=0.15)
    checks, result, _, _ = report(fitted(logreg(), train, FEATURES), train, test, validation)
    assert {
        "held-out rows (validation)",
        "overfitting (validation)",
        "score floor (validation)",
    } <= set(checks)
    assert set(result["scores"]) == {"train", "test", "validation"}


def test_cv_spread_check_reads_the_fold_scores(penguins_clean):
    train, test, _ = split(penguins_clean)
    model = fitted(logreg(), train, FEATURES)
    folds, _, summary = run_node("validation.cross_validation", [model, train], folds=5)
    calm, _, _, _ = report(model, train, test, folds=folds, max_cv_std=0.2)
    strict, _, _, _ = report(model, train, test, folds=folds, max_cv_std=0.001)
    assert calm["cv spread"]["status"] == "pass"
    assert calm["cv spread"]["value"] == pytest.approx(
        summary.values["balanced_accuracy_std"], abs=1e-6
    )
    assert strict["cv spread"]["status"] == "fail"
    assert "cv spread" not in report(model, train, test)[0]


def test_fold_scores_without_the_report_metric_are_a_configure_error(penguins_clean):
    train, test, _ = split(penguins_clean)
    model = fitted(logreg(), train, FEATURES)
    folds = Table(train.df[["year"]].rename(columns={"year": "fold"}))
    with pytest.raises(ConfigureError, match="fold scores"):
        report(model, train, test, folds=folds)


def test_class_imbalance_warns_when_the_rare_class_is_scarce(breast_cancer_df):
    df = breast_cancer_df
    rare = df[df["target"] == "malignant"].head(20)
    table = Table(pd.concat([df[df["target"] == "benign"].iloc[:300], rare]), {"target": "target"})
    train, test, _ = split(table)
    features = ["mean radius", "mean texture", "worst area"]
    checks, result, _, _ = report(fitted(logreg(), train, features), train, test, min_score=0.0)
    imbalance = checks["class imbalance"]
    assert imbalance["status"] == "warn"
    assert imbalance["value"] < 0.2
    assert "'malignant'" in imbalance["message"]
    assert result["status"] in ("warn", "fail")


def test_result_is_attached_to_a_copy_of_the_model_and_is_json(penguins_clean):
    train, test, _ = split(penguins_clean)
    model = fitted(logreg(), train, FEATURES)
    _, result, rep, out = report(model, train, test)
    assert model.validation is None
    assert out is not model and out.validation == result
    assert out.estimator is model.estimator and out.features == model.features
    assert json.loads(json.dumps(result)) == result
    assert list(rep.df.columns) == ["check", "status", "value", "threshold", "message"]
    assert set(rep.df["status"]) <= {"pass", "warn", "fail"}
    assert result["status"] == "pass"


def test_a_clustering_model_is_refused_with_a_clear_message(penguins_clean):
    from sklearn.cluster import KMeans

    est = KMeans(n_clusters=3, n_init=2, random_state=0).fit(penguins_clean.df[FEATURES])
    model = Model(est, "clustering", FEATURES, None)
    with pytest.raises(ConfigureError, match="no target"):
        report(model, penguins_clean, penguins_clean)


def test_a_held_out_table_without_the_target_is_refused_naming_the_column(
    penguins_clean, node_runner
):
    from studio.core import ConfigureError, NodeExecutionError

    model = node_runner(
        "learners.logistic_regression",
        [penguins_clean],
        target="species",
        features=["bill_length_mm", "flipper_length_mm"],
    )[0]
    test = penguins_clean.with_df(penguins_clean.df.drop(columns=["species"]))
    # Caught while wiring when the specs are known...
    with pytest.raises(ConfigureError, match=r"lacks the model's column\(s\) 'species'"):
        node_runner("validation.validation_report", [model, penguins_clean, test, None, None])
    # ...and when they were not (an upstream spec unknown before data), when it runs.
    from nodes.validation.validation_report import ValidationReport
    from studio.core import ExecutionContext

    node = ValidationReport()
    with pytest.raises(
        NodeExecutionError, match=r"the test table lacks the model's column\(s\) 'species'"
    ):
        node.execute(node.Settings(), [model, penguins_clean, test, None, None], ExecutionContext())
