"""The monitoring store: one interface over SQLite (default) or PostgreSQL.

Logging costs the caller an append to a bounded buffer; a background thread writes it in
batches. While the database is unreachable rows wait in the buffer, and once it is full
new rows are dropped and counted (`stats().dropped_rows`): the caller never sees an
error. Reads come back in chunks (`frames.iter_frames`) so memory stays flat.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from . import frames, history
from .database import create_monitor_engine, monitor_url, redacted, upgrade
from .errors import MonitorStoreError
from .feedback import FeedbackReceipt, parse_feedback
from .schema import AlertRow, EvaluationRow, FeedbackRow, PredictionRow
from .status import AlertEvent, EvaluationStatus, MonitorStatus
from .verdict import Verdict
from .windows import Window, WindowSettings

log = logging.getLogger("knotwork.monitor")

# Scored rows as records, or a function that makes them (called on the writer thread).
Records = list[dict[str, Any]] | Callable[[], list[dict[str, Any]]]
DAY = 86_400.0


@dataclass(frozen=True)
class StoreStats:
    """Counters for `/metrics`: rows waiting, rows lost, failed writes, unknown feedback."""

    buffered_rows: int
    dropped_rows: int
    write_errors: int
    unmatched_feedback: int


class MonitorStore:
    def __init__(
        self,
        url: str | None = None,
        *,
        flush_every: float = 1.0,
        max_buffer: int = 100_000,
        retention_days: float | None = None,
        chunk_rows: int = 10_000,
        background: bool = True,
    ):
        self.url = monitor_url(url)
        self.engine = create_monitor_engine(self.url)
        self.max_buffer = max_buffer
        self.retention_days = retention_days
        self.chunk_rows = chunk_rows
        self._lock = threading.Lock()  # guards the buffers and counters
        self._write_lock = threading.Lock()  # one batch in flight at a time
        self._predictions: list[tuple] = []
        self._feedback: list[dict[str, Any]] = []
        self._buffered = 0
        self._dropped = self._errors = self._unmatched = 0
        self._schema_ready = False
        self._last_retention = 0.0
        self._stop = threading.Event()
        try:
            self._ensure_schema()
        except SQLAlchemyError as exc:  # unreachable now: the writer retries
            log.warning("monitoring store %s unreachable: %s", redacted(self.url), exc)
        self._thread = None
        if background:
            self._thread = threading.Thread(
                target=self._run, args=(flush_every,), name="knotwork-monitor-store", daemon=True
            )
            self._thread.start()

    def _ensure_schema(self) -> None:
        if not self._schema_ready:
            upgrade(self.engine)
            self._schema_ready = True

    # -- writing -------------------------------------------------------------------------

    def log_predictions(
        self,
        request_id: str,
        model: str,
        version: str,
        inputs: Records,
        outputs: Records,
        *,
        ts: float | None = None,
        n_rows: int | None = None,
    ) -> None:
        """Queue scored rows (input i answered by output i); never raises. `inputs` and
        `outputs` may be functions returning the records (give `n_rows` then): a server
        passes those, so turning columns into records happens on the writer thread."""
        n = n_rows if n_rows is not None else min(len(_records(inputs)), len(_records(outputs)))
        with self._lock:
            if self._buffered + n > self.max_buffer:
                self._dropped += n
                return
            self._buffered += n
            self._predictions.append(
                (request_id, model, version, time.time() if ts is None else ts, n, inputs, outputs)
            )

    def log_feedback(self, items: Any) -> FeedbackReceipt:
        """Store ground truth now (malformed items raise FeedbackError naming the field);
        the receipt counts items whose prediction is unknown, which are stored too."""
        parsed = parse_feedback(items)
        ts = time.time()
        rows = [
            {"request_id": it.request_id, "row": it.row, "ts": ts, "truth": it.truth}
            for it in parsed
        ]
        with self._lock:
            self._feedback.extend(rows)
            self._buffered += len(rows)
        self.flush()
        with self._lock:
            waiting = {id(r) for r in self._feedback}
        if any(id(r) in waiting for r in rows):
            return FeedbackReceipt(len(rows), None, None)
        unmatched = tuple(sorted({r["request_id"] for r in rows if not r["matched"]}))
        n_unmatched = sum(not r["matched"] for r in rows)
        return FeedbackReceipt(len(rows), len(rows) - n_unmatched, n_unmatched, unmatched)

    def flush(self) -> bool:
        """Write everything buffered; False (rows kept, error logged) if the store is down."""
        with self._write_lock:
            with self._lock:
                batches, self._predictions = self._predictions, []
                feedback, self._feedback = self._feedback, []
            if not batches and not feedback:
                return True
            try:
                self._ensure_schema()
                with self.engine.begin() as conn:
                    if batches:
                        conn.execute(self._insert_ignore(), _prediction_rows(batches))
                    if feedback:
                        _match(conn, feedback)
                        conn.execute(insert(FeedbackRow), feedback)
            except SQLAlchemyError as exc:
                self._requeue(batches, feedback, exc)
                return False
            with self._lock:
                self._buffered -= sum(b[4] for b in batches) + len(feedback)
                self._unmatched += sum(not r["matched"] for r in feedback)
            return True

    def _insert_ignore(self):
        """Insert that skips a (request_id, row) already logged (a retried batch)."""
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        return dialect.insert(PredictionRow).on_conflict_do_nothing(
            index_elements=["request_id", "row"]
        )

    def _requeue(self, batches: list[tuple], feedback: list[dict], exc: Exception) -> None:
        with self._lock:
            self._errors += 1
            self._predictions[:0] = batches
            self._feedback[:0] = feedback
            # Rows arrived meanwhile may have filled the buffer: drop the oldest first.
            while self._buffered > self.max_buffer and (self._predictions or self._feedback):
                if self._predictions:
                    lost = self._predictions.pop(0)[4]
                else:
                    lost = len(self._feedback[:1])
                    del self._feedback[:1]
                self._buffered -= lost
                self._dropped += lost
        log.warning(
            "monitoring store %s unreachable, %d rows wait: %s",
            redacted(self.url),
            self._buffered,
            getattr(exc, "orig", exc),
        )

    def stats(self) -> StoreStats:
        with self._lock:
            return StoreStats(self._buffered, self._dropped, self._errors, self._unmatched)

    def apply_retention(self, now: float | None = None) -> int:
        """Delete predictions, feedback, evaluations and alerts older than the retention."""
        if self.retention_days is None:
            return 0
        now = time.time() if now is None else now
        cutoff = now - self.retention_days * DAY
        deleted = 0
        with self.engine.begin() as conn:
            for table in (PredictionRow, FeedbackRow, EvaluationRow, AlertRow):
                deleted += conn.execute(delete(table).where(table.ts < cutoff)).rowcount
        self._last_retention = now
        return deleted

    def _run(self, flush_every: float) -> None:
        while not self._stop.wait(flush_every):
            self.flush()
            if self.retention_days is not None and time.time() - self._last_retention > 3600:
                try:
                    self.apply_retention()
                except SQLAlchemyError as exc:
                    log.warning("monitoring retention failed: %s", getattr(exc, "orig", exc))

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.flush()
        self.engine.dispose()

    # -- reading -------------------------------------------------------------------------

    def count_rows(self, model: str, version: str | None = None) -> int:
        return self._read(frames.count_rows, model, version)

    def iter_rows(
        self, model: str, version: str | None = None, **window: Any
    ) -> Iterator[pd.DataFrame]:
        """Chunks of logged rows (see `frames.iter_frames` for the window arguments)."""
        window.setdefault("chunk_rows", self.chunk_rows)
        return frames.iter_frames(self.engine, model, version, **window)

    def read_window(
        self,
        model: str,
        window: WindowSettings,
        version: str | None = None,
        *,
        now: float | None = None,
        with_truth: bool = False,
        labelled_only: bool = False,
    ) -> tuple[Window, Iterator[pd.DataFrame]]:
        """Resolve the window now and return it with an iterator of its rows in chunks."""
        total = 0 if window.by_time else self.count_rows(model, version)
        resolved = window.resolve(time.time() if now is None else now, total)
        chunks = self.iter_rows(
            model,
            version,
            start=resolved.start,
            end=resolved.end,
            offset=resolved.offset,
            limit=resolved.limit,
            with_truth=with_truth,
            labelled_only=labelled_only,
        )
        return resolved, chunks

    def _read(self, fn, *args, **kwargs):
        try:
            self._ensure_schema()
            return fn(self.engine, *args, **kwargs)
        except SQLAlchemyError as exc:
            raise MonitorStoreError(
                f"cannot read monitoring store {redacted(self.url)}: {getattr(exc, 'orig', exc)}"
            ) from None

    # -- evaluations and alerts (history for plots, reports and the alerter) -------------

    def record_evaluation(self, status: EvaluationStatus) -> None:
        history.record_evaluation(self.engine, status)

    def evaluations(
        self, model: str, monitor: str | None = None, since: float | None = None
    ) -> list[tuple[float, MonitorStatus]]:
        """Past statuses, oldest first: the series behind "statistic over time" plots."""
        return history.evaluations(self.engine, model, monitor, since)

    def record_alert(self, event: AlertEvent) -> None:
        history.record_alert(self.engine, event)

    def alerts(self, model: str, limit: int = 1000) -> list[AlertEvent]:
        """The newest `limit` alert events of a model, oldest first."""
        return history.alerts(self.engine, model, limit)

    def alert_state(self, model: str) -> dict[tuple[str, str], Verdict]:
        """The last verdict alerted per (monitor, column): where an alerter resumes, so a
        restarted server or the next cron run does not notify the same alert again."""
        return history.alert_state(self.engine, model)


def _records(value: Records) -> list[dict]:
    return value() if callable(value) else value


def _prediction_rows(batches: list[tuple]) -> list[dict[str, Any]]:
    return [
        {
            "request_id": request_id,
            "row": i,
            "ts": ts,
            "model": model,
            "version": version,
            "inputs": x,
            "outputs": y,
        }
        for request_id, model, version, ts, _n, inputs, outputs in batches
        for i, (x, y) in enumerate(zip(_records(inputs), _records(outputs)))
    ]


def _match(conn, feedback: list[dict[str, Any]]) -> None:
    """Mark each feedback item with whether its prediction is logged."""
    p = PredictionRow
    ids = sorted({r["request_id"] for r in feedback})
    known: set[tuple[str, int]] = set()
    for start in range(0, len(ids), 500):
        query = select(p.request_id, p.row).where(p.request_id.in_(ids[start : start + 500]))
        known.update((r.request_id, r.row) for r in conn.execute(query))
    for r in feedback:
        r["matched"] = (r["request_id"], r["row"]) in known
