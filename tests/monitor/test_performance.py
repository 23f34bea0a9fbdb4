from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from studio.monitor import PerformanceSettings, Verdict, compute_metric, evaluate_performance


@pytest.fixture(scope="module")
def binary():
    X, y = load_breast_cancer(return_X_y=True)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X[:300], y[:300])
    return y[300:], model.predict(X[300:]), model.predict_proba(X[300:]), model.classes_


@pytest.fixture(scope="module")
def multiclass():
    X, y = load_iris(return_X_y=True)
    order = np.random.default_rng(0).permutation(len(y))
    X, y = X[order], y[order]
    model = LogisticRegression(max_iter=2000).fit(X[:75], y[:75])
    return y[75:], model.predict(X[75:]), model.predict_proba(X[75:]), model.classes_


def test_classification_metrics_are_scikit_learns(binary, multiclass):
    t, p, s, c = binary
    assert compute_metric("accuracy", t, p) == skm.accuracy_score(t, p)
    assert compute_metric("balanced_accuracy", t, p) == skm.balanced_accuracy_score(t, p)
    assert compute_metric("f1", t, p, classes=c) == skm.f1_score(t, p)
    assert compute_metric("f1", t, p, classes=c, positive_label="0") == skm.f1_score(
        t, p, pos_label=0
    )
    assert compute_metric("roc_auc", t, scores=s, classes=c) == skm.roc_auc_score(t, s[:, 1])
    assert compute_metric("log_loss", t, scores=s, classes=c) == skm.log_loss(t, s)
    t, p, s, c = multiclass
    assert compute_metric("f1", t, p, classes=c) == skm.f1_score(t, p, average="macro")
    assert compute_metric("roc_auc", t, scores=s, classes=c) == skm.roc_auc_score(
        t, s, multi_class="ovr"
    )


def test_regression_metrics_are_scikit_learns():
    X, y = load_diabetes(return_X_y=True)
    pred = LinearRegression().fit(X[:300], y[:300]).predict(X[300:])
    t = y[300:]
    assert compute_metric("rmse", t, pred) == pytest.approx(
        np.sqrt(skm.mean_squared_error(t, pred))
    )
    assert compute_metric("mae", t, pred) == skm.mean_absolute_error(t, pred)
    assert compute_metric("r2", t, pred) == skm.r2_score(t, pred)


def test_truth_sent_as_json_matches_logged_labels_of_another_type(binary):
    t, p, _, _ = binary
    assert compute_metric("accuracy", [int(v) for v in t], [float(v) for v in p]) == (
        skm.accuracy_score(t, p)
    )


def test_accuracy_below_the_floor_alerts_and_above_it_is_ok(binary):
    t, p, _, _ = binary
    accuracy = skm.accuracy_score(t, p)
    low = evaluate_performance(PerformanceSettings(floor=accuracy + 0.01), t, p)
    assert low.verdict is Verdict.ALERT and low.value == accuracy
    assert evaluate_performance(PerformanceSettings(floor=accuracy - 0.01), t, p).verdict is (
        Verdict.OK
    )


def test_an_error_metric_above_its_ceiling_alerts():
    t, p = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.5, 2.5, 2.0, 5.0])
    status = evaluate_performance(PerformanceSettings(metric="mae", ceiling=0.5, min_rows=4), t, p)
    assert status.verdict is Verdict.ALERT and status.value == pytest.approx(0.75)


def test_fewer_labelled_rows_than_the_minimum_are_not_enough_data(binary):
    t, p, _, _ = binary
    status = evaluate_performance(PerformanceSettings(floor=0.99, min_rows=50), t[:49], p[:49])
    assert status.verdict is Verdict.NO_DATA and status.value is None and status.n_rows == 49


def test_roc_auc_of_one_labelled_class_is_not_enough_data(binary):
    t, _, s, c = binary
    only_ones = t == 1
    status = evaluate_performance(
        PerformanceSettings(metric="roc_auc", floor=0.5, min_rows=5),
        t[only_ones],
        scores=s[only_ones],
        classes=c,
    )
    assert status.verdict is Verdict.NO_DATA


def test_floor_above_ceiling_is_refused():
    with pytest.raises(ValueError, match="floor"):
        PerformanceSettings(floor=0.9, ceiling=0.5)
