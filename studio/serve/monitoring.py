"""The server's monitoring: a background thread that evaluates the served bundle's
monitors over the store every `interval` seconds, passes each status to the alerter
(notifications on transitions), and keeps the last status for `GET /monitoring` and the
Prometheus gauges. A store that is down or a monitor that fails is logged and shown in
the status; it never touches the request path. Of several processes sharing a store
(`--workers N`, replicas), the one holding the store's lease records and alerts; the
others evaluate for their own `/monitoring` only, so an alert goes out once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from sqlalchemy.exc import SQLAlchemyError

from studio.core.errors import KnotworkError
from studio.monitor import Alerter, EvaluationStatus, MonitorStore, evaluate
from studio.monitor.bundle import BundleMonitoring, bundle_monitors, prepare_bundle_monitors
from studio.monitor.leases import holder_id

from .holder import ModelHolder, ServedModel

log = logging.getLogger("knotwork.serve")


class _Prepared:
    """The monitors of one served model, prepared once (a swap prepares the new one's)."""

    def __init__(self, model: ServedModel):
        self.model = model
        self.error: str | None = None
        self.monitoring = BundleMonitoring([], [])
        self.monitors: list[Any] = []
        try:
            self.monitoring = bundle_monitors(model.bundle)
            self.monitors = prepare_bundle_monitors(model.bundle, self.monitoring)
        except KnotworkError as exc:
            self.error = f"the bundle's monitors cannot be prepared: {exc}"
            log.error("monitoring %s %s: %s", model.name, model.version, self.error)


class ServerMonitoring:
    def __init__(
        self,
        holder: ModelHolder,
        store: MonitorStore,
        *,
        interval: float = 60.0,
        alerter: Alerter | None = None,
    ):
        self.holder = holder
        self.store = store
        self.interval = interval
        self.alerter = alerter
        self.status: EvaluationStatus | None = None
        self.error: str | None = None
        self.evaluations = 0
        self.failures = 0
        self.lease_holder = holder_id()
        # A leader that stops renewing is replaced after three missed evaluations.
        self.lease_ttl = max(3 * interval, 10.0)
        self.leader = False
        self._lease: str | None = None
        self._prepared: _Prepared | None = None
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- the background loop ----------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(
                target=self._run, name="knotwork-monitoring", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None
        if self.leader and self._lease is not None:
            try:
                self.store.release_lease(self._lease, self.lease_holder)
            except SQLAlchemyError as exc:
                log.warning("monitoring lease not released: %s", getattr(exc, "orig", exc))
            self.leader = False

    def _run(self) -> None:
        while True:
            self.evaluate_now()
            if self._stop.wait(self.interval):
                return

    def _current(self) -> _Prepared | None:
        model = self.holder.current
        if model is None:
            return None
        if self._prepared is None or self._prepared.model is not model:
            self._prepared = _Prepared(model)
        return self._prepared

    def evaluate_now(self) -> EvaluationStatus | None:
        """One evaluation of the current model's monitors; errors are kept, not raised."""
        prepared = self._current()
        status, error = None, None
        if prepared is None:
            error = "no model is loaded yet"
        elif prepared.error:
            error = prepared.error
        else:
            model = prepared.model
            try:
                self._lease = f"monitoring:{model.name}"
                self.leader = self.store.hold_lease(self._lease, self.lease_holder, self.lease_ttl)
                status = evaluate(
                    prepared.monitors,
                    self.store,
                    model.name,
                    model.version,
                    record=self.leader,
                    alerter=self.alerter if self.leader else None,
                )
            except (KnotworkError, SQLAlchemyError) as exc:
                error = f"evaluation failed: {getattr(exc, 'orig', None) or exc}"
                log.warning("monitoring %s %s: %s", model.name, model.version, error)
            except Exception as exc:  # a monitor's own bug must not end the loop
                error = f"evaluation failed: {type(exc).__name__}: {exc}"
                log.exception("monitoring %s %s failed", model.name, model.version)
        with self._changed:
            if status is not None:
                self.status = status
            self.error = error
            self.evaluations += 1
            self.failures += error is not None
            self._changed.notify_all()
        return status

    def wait_for(self, done: Callable[[ServerMonitoring], bool], timeout: float = 30.0) -> bool:
        """Block until `done(self)` holds after an evaluation (or the timeout passes)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    # -- what the routes show ---------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The body of `GET /monitoring`."""
        prepared = self._current()
        status = self.status
        model = prepared.model if prepared is not None else None
        if status is not None and model is not None and status.version != model.version:
            status = None  # the last status was of the bundle a swap replaced
        body: dict[str, Any] = {
            "model": model.name if model else None,
            "version": model.version if model else None,
            "verdict": status.verdict.value if status else "not enough data",
            "evaluated_at": status.at if status else None,
            "interval_seconds": self.interval,
            "leader": self.leader,
            "monitors": status.model_dump(mode="json")["monitors"] if status else [],
            "notes": prepared.monitoring.notes if prepared else [],
            "error": self.error,
            "store": vars(self.store.stats()),
        }
        return body


class MonitoringCollector:
    """Prometheus gauges from the last status and the store's counters, read at scrape
    time (so a column that leaves the status leaves the gauges too)."""

    def __init__(self, monitoring: ServerMonitoring | None, store: MonitorStore | None):
        self.monitoring = monitoring
        self.store = store

    def describe(self) -> list:
        return []

    def collect(self) -> Iterator[Any]:
        if self.store is not None:
            yield from _store_metrics(self.store)
        if self.monitoring is None:
            return
        yield CounterMetricFamily(
            "knotwork_monitor_evaluation_failures",
            "Background evaluations that failed (store down, bad monitor)",
            value=self.monitoring.failures,
        )
        status = self.monitoring.status
        if status is not None:
            yield from status_metrics(status)


def _store_metrics(store: MonitorStore) -> Iterator[Any]:
    stats = store.stats()
    yield GaugeMetricFamily(
        "knotwork_monitor_buffered_rows",
        "Rows waiting to be written to the monitoring store",
        value=stats.buffered_rows,
    )
    yield CounterMetricFamily(
        "knotwork_monitor_dropped_rows",
        "Rows the monitoring store lost (buffer full while it was unreachable)",
        value=stats.dropped_rows,
    )
    yield CounterMetricFamily(
        "knotwork_monitor_write_errors",
        "Batches the monitoring store could not write (retried)",
        value=stats.write_errors,
    )


def status_metrics(status: EvaluationStatus) -> Iterator[Any]:
    """Gauges of one evaluation: per monitor, per drift column, per metric."""
    key = ["model", "version", "monitor"]
    base = [status.model, status.version or ""]
    verdict = GaugeMetricFamily(
        "knotwork_monitor_verdict",
        "Verdict per monitor: -1 not enough data, 0 ok, 1 warn, 2 alert",
        labels=[*key, "kind"],
    )
    share = GaugeMetricFamily(
        "knotwork_dataset_drift_share", "Share of drifted columns", labels=key
    )
    stat = GaugeMetricFamily(
        "knotwork_drift_statistic",
        "Drift statistic per column (test statistic or distance)",
        labels=[*key, "column", "test"],
    )
    p_value = GaugeMetricFamily(
        "knotwork_drift_p_value",
        "p-value per column of the statistical tests (drift when below the threshold)",
        labels=[*key, "column", "test"],
    )
    threshold = GaugeMetricFamily(
        "knotwork_drift_threshold", "Drift threshold per column", labels=[*key, "column", "test"]
    )
    col_verdict = GaugeMetricFamily(
        "knotwork_drift_verdict",
        "Drift verdict per column: -1 not enough data, 0 ok, 2 alert",
        labels=[*key, "column"],
    )
    metric = GaugeMetricFamily(
        "knotwork_performance_metric",
        "Live (from feedback) or estimated (CBPE) metric",
        labels=[*key, "metric", "estimated"],
    )
    for m in status.monitors:
        labels = [*base, m.name]
        verdict.add_metric([*labels, m.kind], m.verdict.gauge)
        if m.drift is not None:
            share.add_metric(labels, m.drift.drifted_share)
            for c in m.drift.columns:
                col_verdict.add_metric([*labels, c.column], c.verdict.gauge)
                threshold.add_metric([*labels, c.column, c.test], c.threshold)
                if c.statistic is not None:
                    stat.add_metric([*labels, c.column, c.test], c.statistic)
                if c.p_value is not None:
                    p_value.add_metric([*labels, c.column, c.test], c.p_value)
        if m.metric is not None and m.metric.value is not None:
            estimated = "true" if m.metric.estimated else "false"
            metric.add_metric([*labels, m.metric.metric, estimated], m.metric.value)
    yield from (verdict, share, stat, p_value, threshold, col_verdict, metric)
