"""Evaluate every monitor of a model over its window: what the server's background task,
`knotwork monitor status` / `replay` and the studio dock call."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pandas as pd

from .alerts import Alerter
from .monitors import Monitor
from .status import EvaluationStatus
from .store import MonitorStore
from .windows import Window


def evaluate(
    monitors: Sequence[Monitor],
    store: MonitorStore,
    model: str,
    version: str | None = None,
    *,
    now: float | None = None,
    record: bool = True,
    alerter: Alerter | None = None,
) -> EvaluationStatus:
    """Read each monitor's window from the store in chunks, evaluate, record the status
    (history for plots) and pass it to the alerter, which notifies on transitions."""
    now = time.time() if now is None else now
    statuses = []
    for monitor in monitors:
        window, chunks = store.read_window(
            model,
            monitor.spec.window,
            version,
            now=now,
            with_truth=monitor.needs_truth,
            labelled_only=monitor.needs_truth,
        )
        statuses.append(monitor.evaluate(chunks, window))
    status = EvaluationStatus(model=model, version=version, at=now, monitors=statuses)
    if record:
        store.record_evaluation(status)
    if alerter is not None:
        alerter.observe(status)
    return status


def evaluate_frame(
    monitors: Sequence[Monitor],
    frame: pd.DataFrame,
    model: str,
    version: str | None = None,
    *,
    truth: str | None = None,
    at: float | None = None,
) -> EvaluationStatus:
    """Evaluate rows held in a frame (a replayed file, or held-out rows in a training
    run); performance monitors read labels from `truth` and are skipped without it."""
    statuses = [
        m.evaluate([frame], Window("all", f"{len(frame)} rows"), truth=truth or "")
        for m in monitors
        if truth is not None or not m.needs_truth
    ]
    return EvaluationStatus(
        model=model, version=version, at=time.time() if at is None else at, monitors=statuses
    )
