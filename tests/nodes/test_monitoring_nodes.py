"""Drift Monitor, Performance Monitor and Estimated Performance on real penguins and
diabetes fits: the reports agree with studio.monitor and scikit-learn, the bundle specs
name the served columns, and wrong columns or metrics fail at configure."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from studio.core import ConfigureError, ExecutionContext, Model, Table, default_catalog
from studio.monitor import ASSUMPTIONS, DriftMonitorSpec, EstimatedPerformanceSpec
from tests.conftest import run_node

FEATURES = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]


@pytest.fixture
def penguin_split(penguins_clean):
    train, test, validation = run_node(
        "validation.partitioning",
        [penguins_clean],
        method="stratified",
        column="species",
        train_fraction=0.5,
        validation_fraction=0.25,
    )
    est = make_pipeline(StandardScaler(), LogisticRegression()).fit(
        train.df[FEATURES], train.df["species"]
    )
    model = Model(est, "classification", FEATURES, "species", list(est.classes_))
    (predictions,) = run_node("scoring.predictor", [model, test])
    return validation, test, predictions


@pytest.fixture
def diabetes_scored(diabetes_df):
    table = Table(diabetes_df, {"target": "target"})
    train, test, _ = run_node(
        "validation.partitioning", [table], method="random", train_fraction=0.7
    )
    features = [c for c in diabetes_df.columns if c != "target"]
    est = HistGradientBoostingRegressor(max_iter=30).fit(train.df[features], train.df["target"])
    model = Model(est, "regression", features, "target")
    (predictions,) = run_node("scoring.predictor", [model, test])
    return predictions


def spec_of(type_id: str, inputs: list, label: str = "Monitor", **settings):
    node_type = default_catalog().get(type_id)
    s = node_type.validate_settings(settings)
    return node_type().monitor_spec(s, [v.spec() if v else None for v in inputs], label)


def configure(type_id: str, inputs: list, **settings):
    node_type = default_catalog().get(type_id)
    s = node_type.validate_settings(settings)
    ctx = ExecutionContext("m", "Monitor", catalog=default_catalog())
    return node_type().configure(s, [v.spec() if v else None for v in inputs], ctx)


def test_drift_monitor_watches_every_input_and_the_prediction_by_default(penguin_split):
    _, test, predictions = penguin_split
    spec = spec_of("monitoring.drift", [test, predictions, None], label="Drift")
    assert isinstance(spec, DriftMonitorSpec) and spec.name == "Drift"
    # the target is not an input a server sees; the scaled one-hot columns are not joined
    assert spec.columns == [c for c in test.df.columns if c != "species"] + ["prediction"]
    (report,) = run_node("monitoring.drift", [test, predictions, None])
    df = report.df.set_index("column")
    assert list(df.index) == spec.columns
    assert df.loc["bill_length_mm", "test"] == "ks" and df.loc["island", "test"] == "chi2"
    assert df.loc["sex", "test"] == "z" and (df["threshold"] == 0.05).all()
    assert (df["verdict"] == "watched").all() and (df["n_reference"] == len(test)).all()


def test_drift_monitor_compares_the_current_rows_with_scipys_statistics(penguin_split):
    validation, test, predictions = penguin_split
    (report,) = run_node(
        "monitoring.drift",
        [test, predictions, validation],
        columns=["bill_length_mm", "prediction"],
    )
    df = report.df.set_index("column")
    ks = stats.ks_2samp(test.df["bill_length_mm"], validation.df["bill_length_mm"])
    assert df.loc["bill_length_mm", "statistic"] == pytest.approx(ks.statistic)
    assert df.loc["bill_length_mm", "p_value"] == pytest.approx(ks.pvalue)
    assert df.loc["bill_length_mm", "verdict"] in ("ok", "alert")
    # the validation rows have no prediction: said so, not silently dropped
    assert df.loc["prediction", "verdict"] == "not in the current rows"
    assert df.loc["(dataset)", "threshold"] == 0.5


def test_drift_monitor_with_psi_uses_its_two_levels(penguin_split):
    validation, test, _ = penguin_split
    (report,) = run_node(
        "monitoring.drift", [test, None, validation], numeric_test="psi", columns=["body_mass_g"]
    )
    row = report.df.set_index("column").loc["body_mass_g"]
    assert row["test"] == "psi" and row["threshold"] == 0.25


def test_drift_monitor_unknown_column_names_the_setting_and_column(penguin_split):
    _, test, predictions = penguin_split
    with pytest.raises(ConfigureError) as err:
        configure("monitoring.drift", [test, predictions, None], columns=["wingspan"])
    assert err.value.where == "columns" and "'wingspan'" in str(err.value)


def test_a_bad_window_names_the_flat_setting(penguin_split):
    _, test, _ = penguin_split
    with pytest.raises(ConfigureError) as err:
        configure("monitoring.drift", [test, None, None], window_size="soon")
    assert err.value.where == "window_size" and "duration" in str(err.value)


def test_performance_monitor_reports_the_held_out_accuracy_against_its_floor(penguin_split):
    _, _, predictions = penguin_split
    df = predictions.df
    accuracy = skm.accuracy_score(df["species"], df["prediction"])
    (report,) = run_node("monitoring.performance", [predictions], floor=accuracy + 0.01)
    row = report.df.iloc[0]
    assert row["metric"] == "accuracy" and row["value"] == pytest.approx(accuracy)
    assert row["verdict"] == "alert" and row["n_rows"] == len(df)
    (report,) = run_node("monitoring.performance", [predictions], floor=accuracy - 0.01)
    assert report.df.iloc[0]["verdict"] == "ok"


def test_performance_monitor_roc_auc_uses_the_probability_columns(penguin_split):
    _, _, predictions = penguin_split
    spec = spec_of("monitoring.performance", [predictions], metric="roc_auc")
    assert spec.scores == {c: f"probability_{c}" for c in ("Adelie", "Chinstrap", "Gentoo")}
    assert spec.prediction == "prediction"
    df = predictions.df
    expected = skm.roc_auc_score(df["species"], df[list(spec.scores.values())], multi_class="ovr")
    (report,) = run_node("monitoring.performance", [predictions], metric="roc_auc")
    assert report.df.iloc[0]["value"] == pytest.approx(expected)


def test_performance_monitor_on_a_regression(diabetes_scored):
    df = diabetes_scored.df
    (report,) = run_node("monitoring.performance", [diabetes_scored], metric="rmse", ceiling=80.0)
    rmse = np.sqrt(skm.mean_squared_error(df["target"], df["prediction"]))
    assert report.df.iloc[0]["value"] == pytest.approx(rmse)
    assert report.df.iloc[0]["verdict"] == ("alert" if rmse > 80 else "ok")


def test_roc_auc_on_a_regression_is_refused_at_configure(diabetes_scored):
    with pytest.raises(ConfigureError) as err:
        configure("monitoring.performance", [diabetes_scored], metric="roc_auc")
    assert err.value.where == "metric" and "rmse, mae or r2" in str(err.value)


def test_a_regression_metric_on_classes_is_refused_at_configure(penguin_split):
    _, _, predictions = penguin_split
    with pytest.raises(ConfigureError) as err:
        configure("monitoring.performance", [predictions], metric="mae")
    assert err.value.where == "metric" and "'species'" in str(err.value)


def test_accuracy_on_a_continuous_truth_is_refused_when_it_runs(diabetes_scored):
    from studio.core import NodeExecutionError

    with pytest.raises(NodeExecutionError, match="regression"):
        run_node("monitoring.performance", [diabetes_scored], metric="accuracy")


def test_performance_monitor_unknown_truth_column_names_the_setting(penguin_split):
    _, _, predictions = penguin_split
    with pytest.raises(ConfigureError) as err:
        configure("monitoring.performance", [predictions], truth_column="label")
    assert err.value.where == "truth_column" and "'label'" in str(err.value)


def test_estimated_performance_is_close_to_the_realised_accuracy_and_states_assumptions(
    penguin_split,
):
    _, _, predictions = penguin_split
    spec = spec_of("monitoring.estimated_performance", [predictions])
    assert isinstance(spec, EstimatedPerformanceSpec) and spec.truth == "species"
    (report,) = run_node("monitoring.estimated_performance", [predictions])
    row = report.df.iloc[0]
    realised = skm.accuracy_score(predictions.df["species"], predictions.df["prediction"])
    assert row["realised"] == pytest.approx(realised)
    assert abs(row["estimated"] - realised) < 0.05
    assert row["assumptions"] == ASSUMPTIONS
    node_type = default_catalog().get("monitoring.estimated_performance")
    assert ASSUMPTIONS in node_type.description


def test_estimated_performance_needs_class_probabilities(diabetes_scored):
    with pytest.raises(ConfigureError) as err:
        configure("monitoring.estimated_performance", [diabetes_scored])
    assert err.value.where == "score_columns" and "probability" in str(err.value)


def test_monitoring_settings_are_flat_fields_with_bounds_for_the_dialog():
    schema = default_catalog().get("monitoring.drift").Settings.model_json_schema()
    props = schema["properties"]
    assert props["drift_share"]["default"] == 0.5 and props["drift_share"]["maximum"] == 1
    assert props["window_size"]["description"] and props["p_value"]["exclusiveMaximum"] == 1
    assert not any("$ref" in p or "allOf" in p for p in props.values())
