"""Shadow scoring: the server answers with the champion and hands each scored request to
a challenger on a background thread through a bounded queue, so the challenger never
sits on the request path (a full queue drops and counts, never waits). The challenger's
answers are logged to the monitoring store under its own version, with the request id
plus SHADOW_SUFFIX; feedback for a request is recorded for both, so the two versions'
live metrics stand side by side on the same rows.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Any

from studio.core.errors import KnotworkError
from studio.monitor import MonitorStore, parse_feedback
from studio.monitor.frames import SHADOW_SUFFIX

from .holder import ModelHolder, ServedModel
from .inputs import InputProblems, ParsedRows

log = logging.getLogger("knotwork.serve")
_STOP = object()
BATCH_SECONDS = 0.05
BATCH_ROWS = 1000


def _values(column: Any) -> list:
    return column.tolist() if hasattr(column, "tolist") else list(column)


class ShadowScorer:
    def __init__(
        self,
        holder: ModelHolder,
        store: MonitorStore | None,
        *,
        max_queue: int = 1000,
        unknown_category: str = "error",
    ):
        self.holder = holder  # the challenger; swapped like the champion's when its alias moves
        self.store = store
        self.unknown_category = unknown_category
        self._queue: queue.Queue = queue.Queue(maxsize=max_queue)
        self.scored = self.dropped = self.failed = 0
        self._thread: threading.Thread | None = None

    # -- request path: one non-blocking put -------------------------------------------

    def submit(self, request_id: str, champion: ServedModel, rows: ParsedRows) -> None:
        try:
            self._queue.put_nowait((request_id, champion, rows))
        except queue.Full:
            self.dropped += rows.n_rows

    def _same(self, champion: ServedModel | None) -> bool:
        """The challenger is the champion itself (both aliases name one version)."""
        model = self.holder.current
        return model is None or (
            champion is not None
            and (model.name, model.version) == (champion.name, champion.version)
        )

    def feedback(self, body: Any, champion: ServedModel | None) -> None:
        """Record the truth of already-validated feedback items for the shadow rows too."""
        if self.store is None or self._same(champion):
            return
        items = [
            {"request_id": it.request_id + SHADOW_SUFFIX, "row": it.row, "truth": it.truth}
            for it in parse_feedback(body)
        ]
        self.store.log_feedback(items)

    # -- the worker ---------------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="knotwork-shadow", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join(timeout=30)
            self._thread = None

    def drain(self) -> None:
        """Wait until every submitted request is scored (for shutdown and tests)."""
        self._queue.join()

    def _run(self) -> None:
        while True:
            batch = self._gather()
            try:
                self._score_batch([item for item in batch if item is not _STOP])
                if batch[-1] is _STOP:
                    return
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _gather(self) -> list:
        """The next request and those arriving within BATCH_SECONDS (up to BATCH_ROWS
        rows): one challenger call per batch costs the server far less than one each."""
        batch = [self._queue.get()]
        rows = 0 if batch[0] is _STOP else batch[0][2].n_rows
        deadline = time.monotonic() + BATCH_SECONDS
        while rows < BATCH_ROWS and batch[-1] is not _STOP:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                item = self._queue.get(timeout=left)
            except queue.Empty:
                break
            batch.append(item)
            rows += 0 if item is _STOP else item[2].n_rows
        return batch

    def _score_batch(self, batch: list) -> None:
        model = self.holder.current
        batch = [item for item in batch if not self._same(item[1])]
        if model is None or not batch:
            return  # nothing to compare: the champion's own rows are logged already
        n = sum(rows.n_rows for _, _, rows in batch)
        try:
            names = list(batch[0][2].columns)
            columns = {
                k: [v for _, _, rows in batch for v in _values(rows.columns.get(k, ()))]
                for k in names
            }
            parsed = model.inputs.from_columns(columns, self.unknown_category)
            cols = model.predict(parsed)
        except (KnotworkError, InputProblems, ValueError, TypeError, KeyError) as exc:
            self.failed += n
            log.warning("shadow %s %s could not score requests: %s", model.name, model.version, exc)
            return
        except Exception:  # the challenger's own bug must never stop the worker
            self.failed += n
            log.exception("shadow %s %s failed", model.name, model.version)
            return
        self.scored += n
        if self.store is None:
            return
        start = 0
        for request_id, _, rows in batch:
            end = start + rows.n_rows
            self.store.log_predictions(
                request_id + SHADOW_SUFFIX,
                model.name,
                model.version,
                {k: v[start:end] for k, v in columns.items()},
                {k: v[start:end] for k, v in cols.items()},
                n_rows=rows.n_rows,
            )
            start = end

    def summary(self) -> dict[str, Any]:
        model = self.holder.current
        return {
            "model": model.name if model else None,
            "version": model.version if model else None,
            "scored_rows": self.scored,
            "dropped_rows": self.dropped,
            "failed_rows": self.failed,
            "queued_requests": self._queue.qsize(),
        }


def follow_shadow(
    app: Any,
    shadow: ShadowScorer,
    uri: str,
    trusted_keys: list[str] | None = None,
    registry: Any = None,
    interval: float = 2.0,
) -> Any:
    """`--shadow registry://MODEL@ENV`: the challenger follows its alias as the champion
    follows its own, and stops following when the app shuts down."""
    from .watch import AliasWatcher, bundle_loader

    watcher = AliasWatcher(
        uri, None, registry=registry, load=bundle_loader(trusted_keys), interval=interval
    )
    watcher.attach(shadow.holder)
    app.state.shadow_watcher = watcher
    app.router.on_shutdown.append(watcher.stop)
    return watcher
