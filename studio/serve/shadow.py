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
from typing import Any

from studio.core.errors import KnotworkError
from studio.monitor import MonitorStore, parse_feedback
from studio.monitor.frames import SHADOW_SUFFIX

from .holder import ModelHolder, ServedModel
from .inputs import InputProblems, ParsedRows

log = logging.getLogger("knotwork.serve")
_STOP = object()


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
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                self._score(*item)
            finally:
                self._queue.task_done()

    def _score(self, request_id: str, champion: ServedModel, rows: ParsedRows) -> None:
        model = self.holder.current
        if model is None or self._same(champion):
            return  # nothing to compare: the champion's own rows are logged already
        try:
            parsed = rows
            if model.input_spec != champion.input_spec:  # its own schema: parse the values again
                columns = {k: list(v) for k, v in rows.columns.items()}
                parsed = model.inputs.from_columns(columns, self.unknown_category)
            cols = model.predict(parsed)
        except (KnotworkError, InputProblems, ValueError, TypeError, KeyError) as exc:
            self.failed += rows.n_rows
            log.warning(
                "shadow %s %s could not score a request: %s", model.name, model.version, exc
            )
            return
        except Exception:  # the challenger's own bug must never stop the worker
            self.failed += rows.n_rows
            log.exception("shadow %s %s failed", model.name, model.version)
            return
        self.scored += rows.n_rows
        if self.store is not None:
            self.store.log_predictions(
                request_id + SHADOW_SUFFIX,
                model.name,
                model.version,
                parsed.columns,
                cols,
                n_rows=rows.n_rows,
            )

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
