"""The server's monitoring on a real server and real store: rows logged off the request
path, feedback receipts, background evaluation of the bundle's monitors, /monitoring,
the Prometheus gauges, and an alert delivered to a real webhook once per transition."""

from __future__ import annotations

import json
import re

import pytest

from studio.monitor import Alerter, MonitorStore
from studio.serve import ModelHolder, ServerSettings, create_app

from .conftest import start_server, stop_server

SHIFTED = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")


@pytest.fixture
def monitored(bundle, tmp_path):
    """Factory: a real server logging to a SQLite store, evaluating every 0.1 s."""
    started = []

    def make(store_url=None, alerter=None, **settings):
        store = MonitorStore(store_url or tmp_path / "monitor.db", flush_every=0.05)
        options = {"monitor_interval": 0.1, **settings}
        app = create_app(
            ModelHolder(bundle), ServerSettings(**options), store=store, alerter=alerter
        )
        running, thread = start_server(app)
        started.append((running, thread, store))
        return running, store

    yield make
    for running, thread, store in started:
        stop_server(running, thread)
        store.close()


@pytest.fixture(scope="module")
def reference_rows(bundle) -> list[dict]:
    """The training rows the default Drift Monitor compares with, as request records."""
    ref = bundle.reference_sample()[bundle.input_schema.names]
    return [{k: (None if v != v else v) for k, v in row.items()} for row in ref.to_dict("records")]


def _drifted(rows: list[dict]) -> list[dict]:
    """The rows with every measurement moved far above the training range."""
    return [{**r, **{c: (r[c] or 1.0) * 3 for c in SHIFTED}} for r in rows]


def _evaluated_after(app, n_rows: int, store: MonitorStore):
    """Wait (on the monitoring's condition) for an evaluation that saw n_rows rows."""
    monitoring = app.state.monitoring
    assert monitoring.wait_for(
        lambda m: m.status is not None and m.status.monitors[0].window.n_rows >= n_rows,
        timeout=30,
    ), json.dumps(monitoring.snapshot())[:3000]
    return monitoring.status


def test_training_rows_show_no_drift_on_every_column_of_the_default_monitor(
    monitored, reference_rows, bundle
):
    running, store = monitored()
    with running.client() as c:
        for start in range(0, len(reference_rows), 25):
            r = c.post("/predict", json=reference_rows[start : start + 25])
            assert r.status_code == 200, r.text
        _evaluated_after(running.app, len(reference_rows), store)
        body = c.get("/monitoring").json()
        metrics = c.get("/metrics").text
    assert body["verdict"] == "ok", body
    assert body["model"] == "penguins" and body["version"] == "1"
    assert body["notes"] and "default Drift Monitor" in body["notes"][0]
    (drift,) = body["monitors"]
    assert drift["kind"] == "drift" and drift["window"]["n_rows"] == len(reference_rows)
    columns = {c["column"] for c in drift["drift"]["columns"]}
    assert columns == set(bundle.input_schema.names)
    for c in drift["drift"]["columns"]:
        assert {"statistic", "threshold", "verdict", "test"} <= set(c)
    assert (
        'knotwork_monitor_verdict{kind="drift",model="penguins",monitor="Drift",version="1"}'
        in metrics
    )
    assert 'knotwork_drift_verdict{column="bill_length_mm"' in metrics
    assert "knotwork_dataset_drift_share{" in metrics
    assert "knotwork_monitor_dropped_rows_total 0.0" in metrics


def test_planted_drift_alerts_once_per_transition_to_a_real_webhook(
    monitored, reference_rows, webhook
):
    url, received = webhook
    running, store = monitored(alerter=Alerter({"destinations": [url], "per_column": False}))
    monitoring = running.app.state.monitoring
    with running.client() as c:
        assert c.post("/predict", json=_drifted(reference_rows[:60])).status_code == 200
        status = _evaluated_after(running.app, 60, store)
        assert status.alerting, status
        body = c.get("/monitoring").json()
        assert body["verdict"] == "alert"
        drifted = {
            col["column"] for col in body["monitors"][0]["drift"]["columns"] if col["drifted"]
        }
        assert set(SHIFTED) <= drifted
        _path, notice = received.get(timeout=30)
        assert "ALERT" in notice["title"] and "Drift" in notice["message"]
        seen = monitoring.evaluations
        assert monitoring.wait_for(lambda m: m.evaluations >= seen + 3)
    assert received.empty(), "the same alert was sent again"
    (event,) = store.alerts("penguins")
    assert event.current.value == "alert" and event.delivered == [True]


def test_feedback_receipts_count_unknown_request_ids_in_the_answer_and_metrics(
    monitored, example_rows
):
    running, store = monitored()
    with running.client() as c:
        rid = c.post("/predict", json=example_rows[:3]).json()["request_id"]
        r = c.post(
            "/feedback",
            json=[
                {"request_id": rid, "row": 0, "truth": "Adelie"},
                {"request_id": rid, "row": 2, "truth": "Gentoo"},
                {"request_id": "f" * 32, "row": 0, "truth": "Gentoo"},
            ],
        )
        metrics = c.get("/metrics").text
    assert r.status_code == 200
    assert r.json()["accepted"] == 3
    assert (r.json()["matched"], r.json()["unmatched"]) == (2, 1)
    assert r.json()["unmatched_request_ids"] == ["f" * 32]
    assert 'knotwork_feedback_items_total{result="unmatched"} 1.0' in metrics
    assert 'knotwork_feedback_items_total{result="matched"} 2.0' in metrics


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"request_id": "abc", "row": 0}, "[0].truth"),
        ([{"request_id": "abc", "row": "one", "truth": 1}], "[0].row"),
        ([{"request_id": "abc", "row": 0, "truth": 1}, {"row": 0, "truth": 1}], "[1].request_id"),
        ({"request_id": "abc", "row": 0, "truth": 1, "colour": "red"}, "[0].colour"),
        ("nope", "$"),
    ],
)
def test_malformed_feedback_is_a_422_naming_the_field(monitored, body, field):
    running, _ = monitored(monitor_interval=60)
    with running.client() as c:
        r = c.post("/feedback", json=body)
    assert r.status_code == 422
    assert r.json()["detail"][0]["field"] == field


def test_an_unreachable_store_never_fails_a_request_and_dropped_rows_are_counted(
    bundle, example_rows
):
    # Nothing listens on this port: every write fails, the buffer (10 rows) fills.
    store = MonitorStore("postgresql://kw:kw@127.0.0.1:9/kw", flush_every=0.05, max_buffer=10)
    app = create_app(ModelHolder(bundle), ServerSettings(monitor_interval=0.1), store=store)
    running, thread = start_server(app)
    try:
        with running.client() as c:
            for _ in range(4):
                assert c.post("/predict", json=example_rows[:4]).status_code == 200
            fb = c.post("/feedback", json={"request_id": "x", "row": 0, "truth": "Adelie"})
            assert app.state.monitoring.wait_for(lambda m: m.error is not None)
            body = c.get("/monitoring").json()
            metrics = c.get("/metrics").text
    finally:
        stop_server(running, thread)
        store.close()
    assert fb.status_code == 200 and fb.json()["pending"] is True
    assert "evaluation failed" in body["error"]
    dropped = float(re.search(r"^knotwork_monitor_dropped_rows_total (\S+)$", metrics, re.M)[1])
    posted = 4 * len(example_rows[:4]) + 1  # the feedback item waits in the buffer too
    assert dropped >= posted - 10 > 0


def test_two_servers_sharing_a_store_send_an_alert_once_and_record_history_once(
    monitored, reference_rows, webhook, tmp_path
):
    url, received = webhook
    shared = tmp_path / "shared.db"
    servers = [
        monitored(store_url=shared, alerter=Alerter({"destinations": [url], "per_column": False}))
        for _ in range(2)
    ]
    with servers[0][0].client() as c:
        assert c.post("/predict", json=_drifted(reference_rows[:60])).status_code == 200
    for running, store in servers:
        assert _evaluated_after(running.app, 60, store).alerting
    _path, notice = received.get(timeout=30)
    assert "ALERT" in notice["title"]
    for running, _store in servers:
        seen = running.app.state.monitoring.evaluations
        assert running.app.state.monitoring.wait_for(lambda m, seen=seen: m.evaluations >= seen + 3)
    assert received.empty(), "the second server sent the alert again"
    leaders = [running.app.state.monitoring.snapshot()["leader"] for running, _ in servers]
    assert sorted(leaders) == [False, True]
    assert len(servers[0][1].alerts("penguins")) == 1
