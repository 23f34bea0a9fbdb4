"""Monitors evaluated over store windows end to end: drift, live accuracy from feedback,
estimated accuracy, the recorded history and the alerts they raise."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from studio.monitor import (
    Alerter,
    DriftMonitorSpec,
    EstimatedPerformanceSpec,
    MonitorError,
    PerformanceMonitorSpec,
    PerformanceSettings,
    Verdict,
    WindowSettings,
    evaluate,
    evaluate_frame,
    prepare,
)

from .conftest import table

FEATURES = ["age", "income"]


@pytest.fixture(scope="module")
def model_and_reference():
    train = table(2000, 1)
    y = (train["age"] + np.random.default_rng(1).normal(0, 8, len(train)) > 40).astype(int)
    model = LogisticRegression().fit(train[FEATURES], y)
    ref = table(800, 2)
    ref_truth = (ref["age"] + np.random.default_rng(2).normal(0, 8, len(ref)) > 40).astype(int)
    scores = model.predict_proba(ref[FEATURES])
    reference = ref.assign(
        prediction=model.predict(ref[FEATURES]),
        probability_0=scores[:, 0],
        probability_1=scores[:, 1],
        target=ref_truth,
    )
    return model, reference


def serve(store, model, rows: pd.DataFrame, truth: pd.Series | None, prefix: str, t0: float):
    """Log rows the way the server does (one request per 50 rows), then send feedback."""
    scores = model.predict_proba(rows[FEATURES])
    outputs = pd.DataFrame(
        {
            "prediction": model.predict(rows[FEATURES]),
            "probability_0": scores[:, 0],
            "probability_1": scores[:, 1],
        }
    )
    inputs = rows.astype(object).to_dict("records")
    out = outputs.astype(object).to_dict("records")
    for r, start in enumerate(range(0, len(rows), 50)):
        store.log_predictions(
            f"{prefix}-{r}",
            "churn",
            "1",
            inputs[start : start + 50],
            out[start : start + 50],
            ts=t0 + r,
        )
    store.flush()
    if truth is not None:
        store.log_feedback(
            [
                {"request_id": f"{prefix}-{i // 50}", "row": i % 50, "truth": int(v)}
                for i, v in enumerate(truth)
            ]
        )


def monitors(reference, floor=0.7):
    window = WindowSettings(size=400, min_rows=50)
    specs = [
        DriftMonitorSpec(columns=["age", "income", "plan", "prediction"], window=window),
        PerformanceMonitorSpec(
            prediction="prediction",
            settings=PerformanceSettings(floor=floor, min_rows=50),
            window=window,
        ),
        EstimatedPerformanceSpec(
            scores={"0": "probability_0", "1": "probability_1"},
            truth="target",
            prediction="prediction",
            window=window,
        ),
    ]
    return [prepare(spec, reference) for spec in specs]


def test_a_healthy_window_is_ok_and_the_evaluation_is_recorded(store_factory, model_and_reference):
    model, reference = model_and_reference
    store = store_factory()
    current = table(400, 3)
    truth = current["age"] + np.random.default_rng(3).normal(0, 8, 400) > 40
    serve(store, model, current, truth, "a", 1000)
    status = evaluate(monitors(reference), store, "churn", now=2000)
    assert [m.verdict for m in status.monitors] == [Verdict.OK, Verdict.OK, Verdict.OK]
    assert status.monitors[0].window.n_rows == 400 and status.monitors[0].window.start == 1000
    live, estimated = status.monitors[1].metric, status.monitors[2].metric
    assert live.n_rows == 400 and estimated.estimated
    assert estimated.value == pytest.approx(live.value, abs=0.05)
    history = store.evaluations("churn", monitor="Performance")
    assert [s.metric.value for _, s in history] == [live.value]


def test_a_feedback_accuracy_below_the_floor_alerts_once(
    store_factory, model_and_reference, webhook
):
    model, reference = model_and_reference
    hook_url, hooks = webhook
    store = store_factory()
    current = table(400, 4)
    wrong = 1 - model.predict(current[FEATURES])  # feedback says the model got most rows wrong
    wrong[:100] = 1 - wrong[:100]
    serve(store, model, current, pd.Series(wrong), "b", 1000)
    alerter = Alerter({"destinations": [hook_url], "per_column": False}, store=store)
    ms = monitors(reference)
    first = evaluate(ms, store, "churn", alerter=alerter, now=2000)
    assert first.monitors[1].verdict is Verdict.ALERT and first.monitors[1].metric.value == 0.25
    assert first.alerting
    evaluate(ms, store, "churn", alerter=alerter, now=2001)  # same state: no new alert
    sent = []
    while not hooks.empty():
        sent.append(hooks.get_nowait()[1]["message"])
    assert len(sent) == 1 and "'Performance'" in sent[0] and "0.25" in sent[0]


def test_planted_drift_in_the_served_rows_alerts_the_drift_monitor(
    store_factory, model_and_reference
):
    model, reference = model_and_reference
    store = store_factory()
    shifted = table(400, 5, shift=1.0).assign(plan="pro")
    serve(store, model, shifted, None, "c", 1000)
    drift = evaluate(monitors(reference), store, "churn", now=2000).monitors[0]
    assert drift.verdict is Verdict.ALERT
    assert {c.column for c in drift.drift.columns if c.drifted} >= {"age", "plan"}


def test_too_few_rows_are_not_enough_data_for_every_monitor(store_factory, model_and_reference):
    model, reference = model_and_reference
    store = store_factory()
    serve(store, model, table(20, 6), pd.Series([1] * 20), "d", 1000)
    status = evaluate(monitors(reference), store, "churn", now=2000)
    assert {m.verdict for m in status.monitors} == {Verdict.NO_DATA}
    assert status.verdict is Verdict.NO_DATA and not status.alerting


def test_held_out_rows_give_the_reference_numbers_before_deploying(model_and_reference):
    model, reference = model_and_reference
    status = evaluate_frame(monitors(reference), reference, "churn", truth="target")
    assert [m.verdict for m in status.monitors] == [Verdict.OK, Verdict.OK, Verdict.OK]
    live = status.monitors[1].metric.value
    assert live == pytest.approx(float((reference["prediction"] == reference["target"]).mean()))
    unlabelled = evaluate_frame(monitors(reference), reference, "churn")
    assert [m.kind for m in unlabelled.monitors] == ["drift", "estimated_performance"]


def test_a_monitor_on_a_column_the_rows_lack_names_it(model_and_reference):
    _, reference = model_and_reference
    with pytest.raises(MonitorError, match=r"\['salary'\] are not in the reference"):
        prepare(DriftMonitorSpec(columns=["age", "salary"]), reference)
    with pytest.raises(MonitorError, match="'Estimated performance'.*'label'"):
        prepare(
            EstimatedPerformanceSpec(
                scores={"0": "probability_0", "1": "probability_1"}, truth="label"
            ),
            reference,
        )
