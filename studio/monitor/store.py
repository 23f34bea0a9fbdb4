"""The monitoring store: one interface over SQLite (default) or PostgreSQL.

Logging costs the caller an append to a bounded buffer; a background thread writes it in
columnar blocks (`blocks`), one insert per model version and batch. While the database is unreachable rows wait in the buffer, and once it is full
new rows are dropped and counted (`stats().dropped_rows`): the caller never sees an
error. Reads come back in chunks (`frames.iter_frames`) so memory stays flat.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import delete, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from . import frames, history, leases
from .blocks import Batch, Batcher, Request, Rows, columns_of, n_rows_of, resolve
from .database import create_monitor_engine, monitor_url, redacted, upgrade
from .errors import MonitorStoreError
from .feedback import FeedbackReceipt, parse_feedback
from .schema import AlertRow, BlockRow, EvaluationRow, FeedbackRow, RequestRow
from .status import AlertEvent, EvaluationStatus, MonitorStatus
from .verdict import Verdict
from .windows import Window, WindowSettings

log = logging.getLogger("knotwork.monitor")

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
        block_rows: int = 10_000,
        background: bool = True,
    ):
        self.url = monitor_url(url)
        self.engine = create_monitor_engine(self.url)
        self.max_buffer = max_buffer
        self.retention_days = retention_days
        self.chunk_rows = chunk_rows
        self.block_rows = block_rows
        self._lock = threading.Lock()  # guards the buffers and counters
        self._write_lock = threading.Lock()  # one batch in flight at a time
        self._predictions = Batcher(block_rows)
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
        inputs: Rows,
        outputs: Rows,
        *,
        ts: float | None = None,
        n_rows: int | None = None,
    ) -> None:
        """Queue scored rows (input i answered by output i); never raises. Rows may be
        records, columns or a DataFrame, or a function returning one (give `n_rows` then):
        whatever is left to do with them happens on the writer thread."""
        later = n_rows is not None and (callable(inputs) or callable(outputs))
        if not later:
            inputs, outputs = columns_of(inputs), columns_of(outputs)
            if n_rows is None:
                n_rows = n_rows_of(inputs)
                n_rows = min(n_rows, n_rows_of(outputs)) if outputs else n_rows
        n = n_rows
        ts = time.time() if ts is None else ts
        with self._lock:
            if self._buffered + n > self.max_buffer:
                self._dropped += n
                return
            self._buffered += n
            if later:
                self._predictions.add_later(
                    Request(request_id, model, version, ts, n, inputs, outputs)
                )
            else:
                self._predictions.add(request_id, model, version, ts, n, inputs, outputs)

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
                waiting = self._predictions.take()
                feedback, self._feedback = self._feedback, []
            if not waiting and not feedback:
                return True
            batches = resolve(waiting, self.block_rows)
            try:
                self._ensure_schema()
                with self.engine.begin() as conn:
                    for batch in batches:
                        self._insert_block(conn, batch.block())
                    if feedback:
                        _match(conn, feedback)
                        conn.execute(insert(FeedbackRow), feedback)
            except SQLAlchemyError as exc:
                self._requeue(batches, feedback, exc)
                return False
            with self._lock:
                self._buffered -= sum(b.n_rows for b in batches) + len(feedback)
                self._unmatched += sum(not r["matched"] for r in feedback)
            return True

    def _insert_block(self, conn, block) -> None:
        block_id = conn.execute(
            insert(BlockRow)
            .values(
                model=block.model,
                version=block.version,
                ts_min=block.ts_min,
                ts_max=block.ts_max,
                n_rows=block.n_rows,
                data=block.data,
            )
            .returning(BlockRow.id)
        ).scalar_one()
        # A request id logged twice keeps its first place (feedback finds those rows).
        dialect = postgresql if self.engine.dialect.name == "postgresql" else sqlite
        conn.execute(
            dialect.insert(RequestRow).on_conflict_do_nothing(index_elements=["request_id"]),
            [
                {"request_id": rid, "block_id": block_id, "first": first, "n_rows": n}
                for rid, first, n in block.requests
            ],
        )

    def _requeue(self, batches: list[Batch], feedback: list[dict], exc: Exception) -> None:
        with self._lock:
            self._errors += 1
            waiting = self._predictions
            waiting.put_back(batches)
            self._feedback[:0] = feedback
            # Rows arrived meanwhile may have filled the buffer: drop the oldest first.
            while self._buffered > self.max_buffer and (waiting.items or self._feedback):
                if waiting.items:
                    lost = waiting.drop_oldest()
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
            old = select(BlockRow.id).where(BlockRow.ts_max < cutoff)
            conn.execute(delete(RequestRow).where(RequestRow.block_id.in_(old)))
            deleted += conn.execute(
                select(func.coalesce(func.sum(BlockRow.n_rows), 0)).where(BlockRow.ts_max < cutoff)
            ).scalar_one()
            conn.execute(delete(BlockRow).where(BlockRow.ts_max < cutoff))
            for table in (FeedbackRow, EvaluationRow, AlertRow):
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

    def hold_lease(self, name: str, holder: str, ttl: float) -> bool:
        """Take or renew a lease (see `leases`); True if `holder` holds it now."""
        self._ensure_schema()
        return leases.hold(self.engine, name, holder, ttl)

    def release_lease(self, name: str, holder: str) -> None:
        leases.release(self.engine, name, holder)

    def alert_state(self, model: str) -> dict[tuple[str, str], Verdict]:
        """The last verdict alerted per (monitor, column): where an alerter resumes, so a
        restarted server or the next cron run does not notify the same alert again."""
        return history.alert_state(self.engine, model)


def _match(conn, feedback: list[dict[str, Any]]) -> None:
    """Mark each feedback item with whether its prediction is logged."""
    q = RequestRow
    ids = sorted({r["request_id"] for r in feedback})
    rows: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        query = select(q.request_id, q.n_rows).where(q.request_id.in_(ids[start : start + 500]))
        rows.update((r.request_id, r.n_rows) for r in conn.execute(query))
    for r in feedback:
        r["matched"] = r["row"] < rows.get(r["request_id"], 0)
