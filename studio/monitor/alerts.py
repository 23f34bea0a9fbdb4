"""Alerts on transitions (ok → alert → ok), deduplicated per monitor and column, to the
log and to destination URLs through apprise (json://, mailto://, slack://, msteams:// …).

State is the last verdict notified per (model, monitor, column); it resumes from the
store's alert history, so a restarted server or the next cron run never repeats one.
"""

from __future__ import annotations

import logging
import threading

import apprise
from pydantic import BaseModel, Field

from .errors import MonitorError
from .status import AlertEvent, EvaluationStatus, MonitorStatus
from .verdict import Verdict

log = logging.getLogger("knotwork.monitor")


class AlertSettings(BaseModel):
    destinations: list[str] = Field(
        default_factory=list, description="Where alerts go, one apprise URL each"
    )
    per_column: bool = Field(True, description="Also alert when one drift column changes")
    title: str = Field("Knotwork monitoring", description="The title of every notification")


def _redact(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://…{rest[-12:]}" if rest else url


class Alerter:
    def __init__(self, settings: AlertSettings | dict | None = None, store=None):
        self.settings = AlertSettings.model_validate(settings or {})
        self.store = store
        for url in self.settings.destinations:
            if not apprise.Apprise().add(url):
                raise MonitorError(
                    f"alert destination {_redact(url)} is not a notification URL apprise "
                    "understands (e.g. json://host/path, mailto://user:pass@host, slack://…)"
                )
        self._state: dict[str, dict[tuple[str, str], Verdict]] = {}
        self._lock = threading.Lock()

    def observe(self, status: EvaluationStatus) -> list[AlertEvent]:
        """Notify every transition in this status; return the events (also stored)."""
        with self._lock:
            state = self._state_of(status.model)
            events = []
            for monitor in status.monitors:
                for column, verdict, statistic, threshold in self._verdicts(monitor):
                    key = (monitor.name, column)
                    previous = state.get(key, Verdict.OK)
                    if verdict is Verdict.NO_DATA or (verdict is Verdict.ALERT) == (
                        previous is Verdict.ALERT
                    ):
                        continue
                    state[key] = verdict
                    events.append(
                        self._send(status, monitor, column, previous, verdict, statistic, threshold)
                    )
            return events

    def _state_of(self, model: str) -> dict[tuple[str, str], Verdict]:
        if model not in self._state:
            self._state[model] = self.store.alert_state(model) if self.store is not None else {}
        return self._state[model]

    def _verdicts(self, monitor: MonitorStatus):
        if monitor.metric is not None:
            m = monitor.metric
            yield "", monitor.verdict, m.value, m.floor if m.floor is not None else m.ceiling
        elif monitor.drift is not None:
            yield "", monitor.verdict, monitor.drift.drifted_share, monitor.drift.drift_share
            if self.settings.per_column:
                for c in monitor.drift.columns:
                    yield c.column, c.verdict, c.statistic, c.threshold
        else:
            yield "", monitor.verdict, None, None

    def _send(self, status, monitor, column, previous, verdict, statistic, threshold) -> AlertEvent:
        what = f"{monitor.name!r}" + (f" column {column!r}" if column else "")
        word = "ALERT" if verdict is Verdict.ALERT else "RESOLVED"
        measure = "" if statistic is None else f": {statistic:.4g} (threshold {threshold:.4g})"
        where = f"{status.model}" + (f" {status.version}" if status.version else "")
        message = (
            f"{word} {where}: {monitor.kind} monitor {what} is {verdict.value}{measure}; "
            f"window {monitor.window.size}, {monitor.window.n_rows} rows"
        )
        if monitor.metric is not None and monitor.metric.assumptions:
            message += f". {monitor.metric.assumptions}"
        (log.warning if verdict is Verdict.ALERT else log.info)("%s", message)
        kind = (
            apprise.NotifyType.FAILURE if verdict is Verdict.ALERT else apprise.NotifyType.SUCCESS
        )
        delivered = []
        for url in self.settings.destinations:
            # A fresh client per alert: a reused one throttles its plugin (seconds per send),
            # and transitions are rare enough that no rate limit is needed.
            target = apprise.Apprise()
            target.add(url)
            ok = bool(
                target.notify(
                    body=message, title=f"{self.settings.title}: {word}", notify_type=kind
                )
            )
            if not ok:
                log.error("alert not delivered to %s", _redact(url))
            delivered.append(ok)
        event = AlertEvent(
            at=status.at,
            model=status.model,
            version=status.version,
            monitor=monitor.name,
            column=column,
            previous=previous,
            current=verdict,
            statistic=statistic,
            threshold=threshold,
            message=message,
            delivered=delivered,
        )
        if self.store is not None:
            self.store.record_alert(event)
        return event
