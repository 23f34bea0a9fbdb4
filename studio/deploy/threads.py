"""Scoring a small batch on one OpenMP thread.

scikit-learn's HistGradientBoosting (and other OpenMP code) predicts with every core by
default. For a request of a few rows on a busy server that is ruinous: measured here, one
row took 39 ms with two OpenMP threads while the machine was loaded, 0.77 ms with one.
Requests are already scored in parallel (one per server thread or worker), so a small
batch runs on its calling thread alone; a large batch (batch scoring) keeps every core.
OpenMP's thread count is per calling thread, so concurrent requests do not interfere.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

SMALL_BATCH = 10_000  # rows; above this, OpenMP keeps every core

_lock = threading.Lock()
_controller: Any = None


def _openmp() -> Any:
    """threadpoolctl's controller, made on first use (after the model's libraries loaded)."""
    global _controller
    with _lock:
        if _controller is None:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController().select(user_api="openmp")
        return _controller


@contextmanager
def scoring_threads(n_rows: int) -> Iterator[None]:
    """One OpenMP thread while scoring `n_rows` rows when that is a small batch."""
    if n_rows > SMALL_BATCH:
        yield
        return
    controller = _openmp()
    with controller.limit(limits=1) if controller.lib_controllers else nullcontext():
        yield
