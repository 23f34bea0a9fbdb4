from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from studio.monitor import ASSUMPTIONS, EstimationSettings, PerformanceEstimator, Verdict
from studio.monitor.performance import compute_metric


def logistic_population(n: int, seed: int):
    """Features from make_classification; labels drawn from one fixed logistic model of
    them, so selecting rows by a feature shifts the inputs but never P(y | x)."""
    X, _ = make_classification(
        n_samples=n, n_features=5, n_informative=5, n_redundant=0, random_state=seed
    )
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    rng = np.random.default_rng(seed)
    logit = X @ np.array([1.5, -1.0, 0.8, 0.0, 0.5]) - 0.3
    return X, (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)


@pytest.fixture(scope="module")
def shifted():
    X, y = logistic_population(20_000, 7)
    model = LogisticRegression().fit(X[:5000], y[:5000])
    ref, pool = slice(5000, 10_000), slice(10_000, None)
    shift = X[pool][:, 0] < np.quantile(X[pool][:, 0], 0.3)  # covariate shift by a feature
    current = X[pool][shift], y[pool][shift]
    return model, (model.predict_proba(X[ref]), y[ref]), current


@pytest.mark.parametrize("metric", ["accuracy", "f1", "roc_auc"])
def test_estimated_metric_tracks_the_realised_one_under_covariate_shift(shifted, metric):
    model, (ref_scores, ref_truth), (X, y) = shifted
    estimator = PerformanceEstimator(EstimationSettings(metric=metric), model.classes_)
    estimator.fit(ref_scores, ref_truth)
    scores = model.predict_proba(X)
    for start in range(0, len(X), 1000):  # chunk by chunk, as read from the store
        estimator.update(scores[start : start + 1000])
    realised = compute_metric(metric, y, model.predict(X), scores, model.classes_)
    reference = compute_metric(metric, ref_truth, ref_scores.argmax(axis=1), ref_scores, [0, 1])
    assert abs(realised - reference) > 0.02  # the shift really changed the metric
    assert estimator.estimate() == pytest.approx(realised, abs=0.03)


def test_multiclass_scores_are_calibrated_one_versus_rest_and_sum_to_one():
    X, y = make_classification(
        n_samples=4000, n_features=6, n_informative=4, n_classes=3, random_state=1
    )
    model = LogisticRegression(max_iter=1000).fit(X[:2000], y[:2000])
    estimator = PerformanceEstimator(EstimationSettings(), model.classes_)
    estimator.fit(model.predict_proba(X[2000:3000]), y[2000:3000])
    probs = estimator.calibrator.transform(model.predict_proba(X[3000:]))
    assert np.allclose(probs.sum(axis=1), 1)
    estimator.update(model.predict_proba(X[3000:]))
    realised = compute_metric("accuracy", y[3000:], model.predict(X[3000:]))
    assert estimator.estimate() == pytest.approx(realised, abs=0.03)


def test_the_status_is_marked_estimated_and_states_its_assumptions(shifted):
    model, (ref_scores, ref_truth), (X, _) = shifted
    estimator = PerformanceEstimator(EstimationSettings(floor=0.99), model.classes_)
    estimator.fit(ref_scores, ref_truth).update(model.predict_proba(X))
    status = estimator.status()
    assert status.estimated and status.assumptions == ASSUMPTIONS
    assert "no concept drift" in ASSUMPTIONS and "calibrated" in ASSUMPTIONS
    assert status.verdict is Verdict.ALERT
    estimator.reset()
    estimator.update(model.predict_proba(X[:5]))
    assert estimator.status().verdict is Verdict.NO_DATA
