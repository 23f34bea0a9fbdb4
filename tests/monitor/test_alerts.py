"""Alerts reach a real webhook receiver and a real SMTP server, once per transition."""

from __future__ import annotations

import queue
import socket

import pytest
from aiosmtpd.controller import Controller

from studio.monitor import (
    Alerter,
    AlertSettings,
    EvaluationStatus,
    MetricStatus,
    MonitorError,
    MonitorStatus,
    Verdict,
    WindowInfo,
)


@pytest.fixture
def smtp():
    received: queue.Queue = queue.Queue()

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.put((envelope.rcpt_tos, envelope.content.decode("utf8", "replace")))
            return "250 OK"

    with socket.socket() as probe:  # aiosmtpd checks readiness on the given port itself
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    yield f"mailto://127.0.0.1:{port}?from=knotwork@example.com&to=ops@example.com", received
    controller.stop()


def accuracy_status(value: float | None, at: float, verdict: Verdict) -> EvaluationStatus:
    metric = MetricStatus(
        metric="accuracy",
        value=value,
        floor=0.8,
        ceiling=None,
        verdict=verdict,
        n_rows=100,
        min_rows=30,
    )
    monitor = MonitorStatus(
        name="Accuracy",
        kind="performance",
        verdict=verdict,
        window=WindowInfo(mode="last", size="100 rows", n_rows=100),
        metric=metric,
    )
    return EvaluationStatus(model="churn", version="3", at=at, monitors=[monitor])


def drain(q: queue.Queue) -> list:
    items = []
    while not q.empty():
        items.append(q.get_nowait())
    return items


def test_webhook_and_email_arrive_once_per_transition(webhook, smtp):
    (hook_url, hooks), (mail_url, mails) = webhook, smtp
    alerter = Alerter(AlertSettings(destinations=[hook_url, mail_url]))
    sequence = [
        (0.9, Verdict.OK),
        (0.7, Verdict.ALERT),  # ok → alert
        (0.6, Verdict.ALERT),  # still alerting: deduplicated
        (None, Verdict.NO_DATA),  # no data changes nothing
        (0.85, Verdict.OK),  # alert → ok
        (0.9, Verdict.OK),
    ]
    events = [
        alerter.observe(accuracy_status(v, t, verdict)) for t, (v, verdict) in enumerate(sequence)
    ]
    assert [len(e) for e in events] == [0, 1, 0, 0, 1, 0]
    assert [e[0].delivered for e in events if e] == [[True, True], [True, True]]
    # Notifications are sent synchronously by observe(): both have arrived by now.
    hook_bodies = drain(hooks)
    assert [path for path, _ in hook_bodies] == ["/hooks/monitor", "/hooks/monitor"]
    assert "ALERT churn 3" in hook_bodies[0][1]["message"] and "0.7" in hook_bodies[0][1]["message"]
    assert "RESOLVED" in hook_bodies[1][1]["message"]
    mail = drain(mails)
    assert len(mail) == 2 and mail[0][0] == ["ops@example.com"]
    assert "ALERT" in mail[0][1] and "RESOLVED" in mail[1][1]


def test_alert_state_resumes_from_the_store_so_a_restart_does_not_repeat_it(webhook, tmp_path):
    from studio.monitor import MonitorStore

    hook_url, hooks = webhook
    store = MonitorStore(tmp_path / "m.db", background=False)
    first = Alerter(AlertSettings(destinations=[hook_url]), store=store)
    assert len(first.observe(accuracy_status(0.7, 1, Verdict.ALERT))) == 1
    restarted = Alerter(AlertSettings(destinations=[hook_url]), store=store)
    assert restarted.observe(accuracy_status(0.7, 2, Verdict.ALERT)) == []
    assert len(restarted.observe(accuracy_status(0.9, 3, Verdict.OK))) == 1
    assert len(drain(hooks)) == 2
    history = store.alerts("churn")
    assert [(e.previous, e.current) for e in history] == [
        (Verdict.OK, Verdict.ALERT),
        (Verdict.ALERT, Verdict.OK),
    ]
    store.close()


def test_an_unknown_destination_url_is_refused_when_configured():
    with pytest.raises(MonitorError, match="not a notification URL"):
        Alerter(AlertSettings(destinations=["nonsense-without-scheme"]))
