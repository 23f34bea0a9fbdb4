"""joblib's Dask backend, with one repair: a task whose worker died (KilledWorker) or was
cancelled reaches joblib as the task's error. joblib's own backend only sets it on a
future nobody waits for, so `Parallel` waited forever for the lost batch."""

from __future__ import annotations

import asyncio
from typing import Any

from joblib import register_parallel_backend
from joblib._dask import DaskDistributedBackend

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
