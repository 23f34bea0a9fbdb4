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
from contextlib import AbstractContextManager, nullcontext
from typing import Any

SMALL_BATCH = 10_000  # rows; above this, OpenMP keeps every core

_lock = threading.Lock()
_controller: Any = None


def _openmp() -> Any:
    """threadpoolctl's controller, made on first use (after the model's libraries loaded)."""
    global _controller
    if _controller is not None:
        return _controller
    with _lock:
        if _controller is None:
            from threadpoolctl import ThreadpoolController

            _controller = ThreadpoolController().select(user_api="openmp")
        return _controller


class _OneThread:
    """Every OpenMP library on one thread for the calling thread, each restored on exit.

    The libraries' own get/set calls rather than threadpoolctl's `limit`, which re-reads
    every library's info on each entry: a one-row request pays microseconds, not tens."""

    __slots__ = ("_saved",)

    def __enter__(self) -> None:
        saved = []
        for lib in _openmp().lib_controllers:
            n = lib.get_num_threads()
            if n is not None and n != 1:
                lib.set_num_threads(1)
                saved.append((lib, n))
        self._saved = saved

    def __exit__(self, *exc: object) -> None:
        for lib, n in reversed(self._saved):
            lib.set_num_threads(n)


_ALL_CORES = nullcontext()


def scoring_threads(n_rows: int) -> AbstractContextManager[None]:
    """One OpenMP thread while scoring `n_rows` rows when that is a small batch."""
    if n_rows > SMALL_BATCH:
        return _ALL_CORES
    return _OneThread()
