"""`knotwork score --cluster`: batch scoring of CSV or Parquet larger than memory on Dask.

dask.dataframe reads the file, glob or folder in partitions on the workers;
`map_partitions` scores each one there (see partitions.py); the client writes the scored
partitions in input order to one CSV or Parquet file, atomically. At most a few
partitions per worker are in flight, so memory stays flat however large the input."""

from __future__ import annotations

import argparse
import contextlib
import sys
import uuid
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pandas as pd

from studio.core.errors import KnotworkError
from studio.serve.batch import FORMATS, OrderedWriter, log_note

from .cluster import Cluster
from .partitions import (
    WARNINGS_ATTR,
    Job,
    PartitionRejected,
    close_stores,
    score_partition,
    warm_bundle,
)

PRELOAD = "studio.scale.preload"
BLOCK = "32MiB"  # input per partition (Parquet: whole row groups); scored chunk_rows at a time
IN_FLIGHT_PER_WORKER = 2


def input_files(spec: str) -> tuple[list[str], str]:
    """The files of --input (a file, glob or folder) and their kind, "csv" or "parquet";
    checked before any cluster starts."""
    from studio.storage.files import expand_files

    files = expand_files(spec, tuple(FORMATS), what="--input")
    kinds = {FORMATS[Path(f).suffix.lower()] for f in files}
    if len(kinds) > 1:
        raise KnotworkError(
            f"--input {spec}: mixes CSV and Parquet files; score one kind at a time"
        )
    return files, kinds.pop()


def input_frame(spec: str, files: list[str], fmt: str) -> Any:
    """The dask DataFrame over `files` (CSV read as text, parsed by the schema)."""
    import dask.dataframe as dd

    try:
        if fmt == "csv":
            return dd.read_csv(files, dtype=str, keep_default_na=False, blocksize=BLOCK)
        return dd.read_parquet(files, blocksize=BLOCK)
    except (OSError, ValueError) as exc:
        raise KnotworkError(f"--input {spec}: unreadable: {exc}") from None


class _Bar:
    """A rich progress bar over partitions on a terminal; silent otherwise."""

    def __init__(self, total: int):
        self.bar = None
        if sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

            self.bar = Progress("scoring", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
            self.task = self.bar.add_task("partitions", total=total)
            self.bar.start()

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _token(path: str) -> str:
    """Changes whenever the bundle on disk changes (workers cache by it)."""
    target = Path(path) / "manifest.json" if Path(path).is_dir() else Path(path)
    try:
        st = target.stat()
    except OSError:
        return "unreadable"  # load_bundle says why, before any row is sent
    return f"{st.st_mtime_ns}-{st.st_size}"


def make_job(path: str, fmt: str, args: argparse.Namespace) -> Job:
    """What every worker needs to score a partition of this run."""
    from studio.monitor.database import monitor_url

    return Job(
        bundle=str(Path(path).resolve()),
        token=_token(path),
        keys=tuple(str(Path(k).resolve()) for k in args.key or ()),
        unknown=args.unknown_category,
        text=fmt == "csv",
        with_input=args.with_input,
        chunk_rows=args.chunk_rows,
        store=monitor_url(args.store) if args.monitor else None,
        batch=f"batch-{uuid.uuid4().hex}",
    )


def start_cluster(spec: str, job: Job) -> Cluster:
    """Connect (a local cluster's workers import the scoring code as they start), then have
    every worker load and verify the bundle, so the first partitions find it ready."""
    cluster = Cluster.connect(spec, preload=(PRELOAD,))
    with contextlib.suppress(Exception):  # a bundle a worker cannot load fails its partition
        cluster.client.run(warm_bundle, job)
    return cluster


def score_on_cluster(
    cluster: Cluster, bundle: Any, job: Job, frame: Any, args: argparse.Namespace
) -> dict[str, Any]:
    """Score `frame` (from `input_frame`) into `args.output` on the cluster with the
    verified `bundle`; the counts of the run. Raises PartitionRejected."""
    meta = _meta(bundle, list(frame.columns) if args.with_input else [])
    parts = frame.map_partitions(score_partition, job, meta=meta).to_delayed()
    window = max(1, IN_FLIGHT_PER_WORKER * max(1, cluster.workers))
    client, writer, bar = cluster.client, OrderedWriter(args.output), _Bar(len(parts))
    pending: deque = deque(client.compute(parts[:window]))
    following = iter(parts[window:])
    rows = warned = 0
    try:
        while pending:
            out = pending.popleft().result()  # in input order; the rest keep computing
            nxt = next(following, None)
            if nxt is not None:
                pending.append(client.compute(nxt))
            rows += len(out)
            warned += int(out.attrs.get(WARNINGS_ATTR, 0))
            writer.write(out)
            bar.advance()
        if rows == 0:
            writer.write(meta)
    except BaseException:
        client.cancel(list(pending))
        writer.abort()
        raise
    finally:
        bar.close()
        lost = _close_worker_stores(cluster) if job.store else 0
    writer.commit()
    return {
        "rows": rows,
        "partitions": len(parts),
        "warned": warned,
        "store": job.store,
        "lost": lost,
        "batch": job.batch,
    }


def _meta(bundle: Any, kept: list[str]) -> pd.DataFrame:
    """The columns of a scored partition: `kept` input columns, then the outputs."""
    names = bundle.output_schema.names if bundle.output_schema is not None else []
    names = [c for c in kept if c not in names] + list(names)
    return pd.DataFrame({n: pd.Series(dtype=object) for n in names})


def _close_worker_stores(cluster: Cluster) -> int:
    """Flush every worker's monitoring store; the rows that could not be logged."""
    per_worker = cluster.client.run(close_stores)  # in-process workers: this process's stores
    return sum(n for stores in per_worker.values() for _, n in stores)


def score_command(args: argparse.Namespace) -> int:
    """The `--cluster` branch of `knotwork score`: exit 0, 1 (model failed) or 2 (bad rows)."""
    from studio.serve.server import load_bundle

    suffix = Path(args.output).suffix.lower()
    if suffix not in FORMATS:
        raise KnotworkError(f"--output {args.output}: unsupported file type; use .csv or .parquet")
    if not Path(args.output).resolve().parent.is_dir():
        raise KnotworkError(f"--output {args.output}: the folder does not exist")
    if args.chunk_rows < 1:
        raise KnotworkError("--chunk-rows must be at least 1")
    if args.bundle.startswith("registry://"):
        from studio.registry import resolve

        args.bundle = str(resolve(args.bundle))
    files, fmt = input_files(args.input)  # a missing or mixed input fails before a cluster starts
    job = make_job(args.bundle, fmt, args)
    # The cluster starts, and its workers load the bundle, while it is verified here and
    # the input's partitions are planned; a bad bundle still sends no rows.
    with ThreadPoolExecutor(1, thread_name_prefix="knotwork-cluster") as pool:
        starting = pool.submit(start_cluster, args.cluster, job)
        try:
            bundle = load_bundle(args.bundle, args.key)
            frame = input_frame(args.input, files, fmt)
        except BaseException:
            with contextlib.suppress(Exception):
                starting.result().close()
            raise
        cluster = starting.result()
    with cluster:
        try:
            done = score_on_cluster(cluster, bundle, job, frame, args)
        except PartitionRejected as exc:
            for line in exc.message.splitlines():
                print(f"knotwork score: {line}", file=sys.stderr)
            return exc.code
    note = f" ({done['warned']} unseen categories accepted)" if done["warned"] else ""
    logged = ""
    if done["store"] and done["rows"]:
        logged = log_note(done["store"], done["lost"], f"{done['batch']}-*")
    print(
        f"Scored {done['rows']} rows in {done['partitions']} partitions on {cluster.spec} "
        f"with {bundle.name} version {bundle.version} → {args.output}{note}{logged}"
    )
    return 0
