"""The whole loop on a drifting synthetic stream, with a real server on 127.0.0.1: serve
v1 with a shadow; send traffic whose relationship changes, with feedback; the
performance alert reaches a real webhook; watch retrains on the logged rows and
registers v2; the shadow shows v2 better; the gate lets v2 into prod; the alias moves
and every request sent during the switch succeeds."""

from __future__ import annotations

import json
import threading

from studio.cli.main import main
from studio.monitor import Alerter, MonitorStore
from studio.retrain import retrain
from studio.retrain.watch import MonitorWatch
from studio.serve import ServerSettings
from studio.serve.server import build_app

from ..serve.conftest import start_server, stop_server
from .conftest import stream, training_workflow


def send(client, rows, prefix_feedback: bool = True) -> None:
    """Score the rows 25 at a time, then send each row's truth as feedback."""
    for start in range(0, len(rows), 25):
        part = rows.iloc[start : start + 25]
        answer = client.post("/predict", json=part[["x1", "x2"]].to_dict("records"))
        assert answer.status_code == 200, answer.text
        request_id = answer.json()["request_id"]
        items = [
            {"request_id": request_id, "row": i, "truth": int(t)}
            for i, t in enumerate(part["truth"])
        ]
        assert client.post("/feedback", json=items).json()["matched"] == len(items)


class Traffic(threading.Thread):
    """Requests sent without pause until stopped, each answer's status and version kept."""

    def __init__(self, client, rows):
        super().__init__(daemon=True)
        self.client, self.rows = client, rows[["x1", "x2"]].to_dict("records")
        self.answers: list[tuple[int, str | None]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            r = self.client.post(
                "/predict", json=self.rows[i % len(self.rows) : i % len(self.rows) + 5]
            )
            self.answers.append((r.status_code, r.json().get("version")))
            i += 5


def until(condition, attempts: int = 500) -> bool:
    pace = threading.Event()  # never set: paces a bounded poll
    for _ in range(attempts):
        if condition():
            return True
        pace.wait(0.02)
    return False


def test_alert_retrain_shadow_gate_and_hot_swap_on_a_drifting_stream(
    workspace, registry, webhook, capsys
):
    url, received = webhook
    store_url = f"sqlite:///{workspace / 'monitor.db'}"
    csv = workspace / "history.csv"
    stream(600, seed=1).to_csv(csv, index=False)
    on_alert = training_workflow(workspace, store=store_url)  # learns from production rows
    first = retrain(
        training_workflow(workspace, csv=csv, retrain=on_alert.name),  # its monitor names it
        registry,
        challenger_of="stream@prod",
        promote_to=["test"],
    )
    registry.promote(f"stream:{first.version}", "prod", "first release")
    settings = ServerSettings(
        bundle="registry://stream@prod",
        registry_url=registry.url,
        monitor_url=store_url,
        monitor_interval=3600,
        shadow="registry://stream@test",
    )
    app = build_app(settings)
    running, thread = start_server(app)
    try:
        with running.client() as client:
            send(client, stream(100, seed=2))  # the old relationship still holds
            send(client, stream(400, seed=3, drifted=True))  # now the label follows x2
            app.state.shadow.drain()
            app.state.service.store.flush()

            store = MonitorStore(store_url, background=False)
            try:
                watch = MonitorWatch(
                    "registry://stream@prod",
                    registry,
                    store,
                    promote_to=["test"],
                    alerter=Alerter({"destinations": [url]}),
                )
                outcome = watch.once()
                assert outcome.status.alerting
                path, alert = received.get(timeout=10)
                assert path == "/hooks/monitor" and "Watch accuracy" in json.dumps(alert)
                v2 = outcome.retrained
                assert (v2.version, v2.promotions) == ("2", ["dev", "test"])
                assert v2.retraining["champion"] == "stream:1"
                assert v2.retraining["trigger"].startswith("alert: Watch accuracy")
                source = registry.version("stream", "2").manifest["source"]["path"]
                assert source == str(on_alert)  # the workflow the alerting monitor named
                again = watch.once()  # the same alert episode: no second challenger
                assert again.retrained is None and "already challenges" in again.note
            finally:
                store.close()

            assert app.state.shadow_watcher.poll_once() == "swapped"
            assert app.state.shadow.holder.current.version == "2"
            send(client, stream(300, seed=4, drifted=True))
            app.state.shadow.drain()
            app.state.service.store.flush()
            side = client.get("/monitoring").json()["shadow"]
            assert side["version"] == "2" and side["dropped_rows"] == 0

            code = main(
                [
                    "monitor",
                    "status",
                    "registry://stream@prod",
                    "--challenger",
                    "registry://stream@test",
                    "--registry",
                    registry.url,
                    "--store",
                    store_url,
                    "--json",
                ]
            )
            both = json.loads(capsys.readouterr().out)
            assert code == 3  # the champion still alerts

            def accuracy(status):
                m = next(m for m in status["monitors"] if m["name"] == "Watch accuracy")
                return m["metric"]["value"]

            assert accuracy(both["challenger"]) > 0.85 > 0.7 > accuracy(both["champion"])

            traffic = Traffic(client.__class__(base_url=running.url, timeout=30), stream(50, 5))
            traffic.start()
            try:
                promoted = registry.promote("stream:2", "prod", "beats v1 on live data")
                gate = next(c for c in promoted.report.checks if c.name == "beats current version")
                assert gate.verdict == "pass" and "stream:1" in gate.detail
                assert until(lambda: any(v == "2" for _, v in traffic.answers[-3:]))
            finally:
                traffic.stop.set()
                traffic.join(timeout=30)
            codes = {c for c, _ in traffic.answers}
            versions = {v for _, v in traffic.answers}
            assert codes == {200} and versions == {"1", "2"}
    finally:
        stop_server(running, thread)
