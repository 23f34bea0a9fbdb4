"""What runs on a Dask worker for `knotwork score --cluster`: one partition of rows
validated against the bundle's input schema, predicted, and logged to the monitoring
store. The bundle is loaded and verified once per worker process, and so is the store."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import pandas as pd

from studio.serve.batch import (
    ModelFailed,
    beside_input,
    carried_columns,
    log_chunk,
    open_store,
    score_chunk,
    unlogged,
)

WARNINGS_ATTR = "knotwork_unseen_categories"  # carried back on the partition's frame

_lock = threading.Lock()
_bundles: dict[tuple[str, str, tuple[str, ...]], tuple[Any, Any]] = {}
_stores: dict[str, Any] = {}
loads = 0  # bundles this process loaded and verified (once per worker and bundle)


class PartitionRejected(Exception):
    """A partition could not be scored: `code` is the exit code (2 rows rejected by the
    schema, 1 the model failed), the message says which partition, row and column."""

    def __init__(self, message: str, code: int):
        super().__init__(message, code)
        self.message, self.code = message, code

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Job:
    """Everything a worker needs to score a partition (picklable, small)."""

    bundle: str  # path every worker can read
    token: str  # changes when the bundle file changes, so a worker never uses a stale one
    keys: tuple[str, ...]
    unknown: str  # "error" or "warn"
    text: bool  # CSV input: every value is text, parsed by the schema like a text/csv request
    with_input: bool
    chunk_rows: int
    store: str | None  # monitoring store URL (resolved on the client), None: no logging
    batch: str  # request-id prefix of this job's logged rows


def worker_bundle(job: Job) -> tuple[Any, Any]:
    """This process's verified copy of the bundle and its compiled input schema (loaded
    on first use)."""
    global loads
    key = (job.bundle, job.token, job.keys)
    with _lock:
        loaded = _bundles.get(key)
        if loaded is None:
            from studio.serve.inputs import InputSchema
            from studio.serve.server import load_bundle

            bundle = load_bundle(job.bundle, list(job.keys) or None)
            loaded = _bundles[key] = (
                bundle,
                InputSchema(bundle.input_schema, bundle.optional_columns),
            )
            loads += 1
        return loaded


def warm_bundle(job: Job) -> int:
    """Load and verify the bundle in this worker ahead of its first partition (for
    `client.run`, which sends back only this count, never the bundle)."""
    worker_bundle(job)
    return loads


def _store(url: str) -> Any:
    with _lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = open_store(url, 1_000_000)
        return store


def close_stores() -> list[tuple[str, int]]:
    """Flush and close this worker's stores: (url, rows not logged) each (for client.run)."""
    with _lock:
        stores = dict(_stores)
        _stores.clear()
    return [(url, unlogged(store)) for url, store in stores.items()]


def _describe(problem: dict[str, Any], part: int, offset: int) -> str:
    where = [f"partition {part}"]
    if problem.get("row") is not None:
        where.append(f"row {problem['row'] + offset} of it")
    if problem.get("column"):
        where.append(f"column {problem['column']!r}")
    return f"{', '.join(where)}: {problem['error']}"


def score_partition(df: pd.DataFrame, job: Job, partition_info: dict | None = None) -> pd.DataFrame:
    """The Deployment Output rows of one partition (input columns first with
    `with_input`), scored `chunk_rows` at a time so a large partition stays small."""
    from studio.serve.inputs import InputProblems

    part = (partition_info or {}).get("number", 0)
    bundle, schema = worker_bundle(job)
    outs, warned = [], 0
    for offset in range(0, max(len(df), 1), job.chunk_rows):
        chunk = df.iloc[offset : offset + job.chunk_rows]
        if chunk.empty and outs:
            break
        try:
            carried = carried_columns(list(chunk.columns), bundle) if job.with_input else ()
            rows, out = score_chunk(bundle, schema, chunk, job.unknown, job.text, carried)
        except InputProblems as exc:
            lines = [_describe(p, part, offset) for p in exc.problems[:10]]
            raise PartitionRejected("\n".join(lines), 2) from None
        except ModelFailed as exc:
            raise PartitionRejected(
                f"partition {part}, rows {offset}–{offset + len(chunk) - 1} of it: "
                f"the model could not score them: {exc}",
                1,
            ) from None
        warned += len(rows.warnings)
        if job.store is not None and len(chunk):
            request = f"{job.batch}-{part}-{offset // job.chunk_rows}"
            log_chunk(_store(job.store), request, bundle, rows, out)
        outs.append(beside_input(chunk, out) if job.with_input else out)
    result = pd.concat(outs, ignore_index=True) if len(outs) > 1 else outs[0]
    result.attrs[WARNINGS_ATTR] = warned
    return result
