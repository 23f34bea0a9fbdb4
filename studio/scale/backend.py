"""joblib's Dask backend, with one repair: a task whose worker died (KilledWorker) or was
cancelled reaches joblib as the task's error. joblib's own backend only sets it on a
future nobody waits for, so `Parallel` waited forever for the lost batch. `on_cluster` is
the scope in which a node's joblib work (n_jobs) runs on a cluster."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import joblib
from joblib import register_parallel_backend
from joblib._dask import DaskDistributedBackend

from studio.core.errors import NodeExecutionError

NAME = "knotwork-dask"


class LostTaskAwareDaskBackend(DaskDistributedBackend):
    async def _collect(self) -> None:  # the loop of joblib's backend, errors included
        while self._continue:
            async for future, result in self.waiting_futures:
                cf_future = self._results.pop(future)
                callback = self._callbacks.pop(future)
                if future.status == "error":
                    exc = result[1] if isinstance(result, tuple) else result
                    cf_future.set_exception(exc)
                    callback(exc)  # joblib raises an exception given as the outcome
                else:
                    cf_future.set_result(result)
                    callback(result)
            await asyncio.sleep(0.01)

    def __reduce__(self) -> tuple[Any, ...]:
        return (LostTaskAwareDaskBackend, ())

    def get_nested_backend(self) -> tuple[Any, int]:
        return LostTaskAwareDaskBackend(client=self.client), -1


register_parallel_backend(NAME, LostTaskAwareDaskBackend)


@contextlib.contextmanager
def on_cluster(client: Any, spec: str) -> Iterator[None]:
    """Within it, joblib (scikit-learn's n_jobs: cross-validation, parameter search,
    forests) runs its tasks on `client`'s cluster; a lost worker fails the node with why."""
    from distributed import KilledWorker
    from distributed.comm.core import CommClosedError

    try:
        with joblib.parallel_config(backend=NAME, client=client):
            yield
    except KilledWorker as exc:
        raise lost_worker(exc, spec) from None
    except CommClosedError as exc:
        raise lost_scheduler(exc, spec) from None


def lost_worker(exc: BaseException, spec: str) -> NodeExecutionError:
    return NodeExecutionError(
        f"a Dask worker died while running this node's work on {spec} "
        f"({reason(exc)}); the worker's log says why (often: out of memory)"
    )


def lost_scheduler(exc: BaseException, spec: str) -> NodeExecutionError:
    return NodeExecutionError(
        f"lost the connection to the Dask scheduler {spec} while running: {reason(exc)}"
    )


def reason(exc: BaseException) -> str:
    """The first line of an error's text (its type when it has none)."""
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
