"""`knotwork score BUNDLE --input FILE --output FILE`: offline batch scoring of CSV or
Parquet, streamed in chunks (memory bounded by --chunk-rows, whatever the file's size)
with a progress bar, by the bundle's own scoring plan; the output appears atomically."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from studio.core.errors import KnotworkError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "score",
        help="score a CSV or Parquet file with a bundle, offline",
        description="Validate every row against the bundle's input schema and write the Deployment Output table.",
    )
    p.add_argument("bundle", help="bundle directory or .zip")
    p.add_argument(
        "--input",
        required=True,
        help="rows to score (.csv, .parquet); with --cluster also a glob or a folder of files",
    )
    p.add_argument(
        "--output", required=True, help="where to write the predictions (.csv, .parquet)"
    )
    p.add_argument(
        "--chunk-rows", type=int, default=50_000, help="rows scored at a time (bounds memory)"
    )
    p.add_argument(
        "--with-input", action="store_true", help="keep the input columns beside the outputs"
    )
    p.add_argument("--unknown-category", choices=("error", "warn"), default="error")
    p.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show a progress bar on stderr (default: when stderr is a terminal)",
    )
    p.add_argument(
        "--key",
        action="append",
        metavar="PUB",
        help="trusted public key file or folder (repeatable)",
    )
    p.add_argument(
        "--store",
        metavar="URL|PATH",
        help="monitoring store the scored rows are logged to (default: $KNOTWORK_MONITOR_URL "
        "or the workspace's .knotwork/monitor.db)",
    )
    p.add_argument(
        "--no-monitor",
        dest="monitor",
        action="store_false",
        help="do not log the scored rows to the monitoring store",
    )
    p.add_argument(
        "--cluster",
        metavar="local[:N]|tcp://HOST:8786",
        help="score on Dask (data larger than memory, several machines): a local cluster "
        "of N worker processes or a running scheduler",
    )
    p.set_defaults(func=run)


def _format(path: str, what: str) -> str:
    from studio.serve.batch import FORMATS

    fmt = FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise KnotworkError(f"{what} {path}: unsupported file type; use .csv or .parquet")
    return fmt


def _chunks(path: str, fmt: str, rows: int, progress: Any = None) -> Iterator[pd.DataFrame]:
    """Raw chunks: CSV as text (parsed by the schema, like a text/csv request), Parquet typed.
    `progress(done, total)` hears how far through the file the reading is (bytes or rows)."""
    if fmt == "csv":
        total = os.path.getsize(path)
        with open(path, "rb") as fh:
            for chunk in pd.read_csv(fh, dtype=str, keep_default_na=False, chunksize=rows):
                yield chunk
                if progress is not None:
                    progress(min(fh.tell(), total), total)
    else:
        import pyarrow.parquet as pq

        # One row group at a time, sliced into chunks: iter_batches reads ahead and its
        # memory grew with the file (4 GiB at 20 M rows); this stays at one row group.
        file = pq.ParquetFile(path)
        total, done = file.metadata.num_rows, 0
        for i in range(file.num_row_groups):
            group = file.read_row_group(i)
            for start in range(0, group.num_rows, rows):
                batch = group.slice(start, rows)
                yield batch.to_pandas()
                done += batch.num_rows
                if progress is not None:
                    progress(done, total)
            del group


class _Progress:
    """A rich progress bar on stderr; a no-op when turned off."""

    def __init__(self, on: bool, what: str):
        self._bar: Any = None
        if on:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            console = Console(stderr=True)
            self._bar = Progress(
                TextColumn(what),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%  {task.fields[rows]:,} rows"),
                TimeRemainingColumn(),
                console=console,
                transient=console.is_terminal,  # a log file keeps the final line
            )
            self._task = self._bar.add_task(what, total=None, rows=0)
            self._bar.start()
        self.rows = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=done, total=total, rows=self.rows)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()


def _report(problems: list[dict[str, Any]], offset: int) -> None:
    for p in problems[:10]:
        where = ", ".join(
            x
            for x in (
                f"row {p['row'] + offset}" if p["row"] is not None else "",
                f"column {p['column']!r}" if p["column"] else "",
            )
            if x
        )
        print(f"knotwork score: {where + ': ' if where else ''}{p['error']}", file=sys.stderr)


class _Rejected(Exception):
    """A chunk failed; its problems were printed and the exit code is `code`."""

    def __init__(self, code: int):
        self.code = code


def _score_chunk(
    bundle: Any,
    schema: Any,
    chunk: pd.DataFrame,
    unknown: str,
    text: bool,
    done: int,
    carried: tuple[str, ...] | list[str] = (),
):
    """(parsed rows, output frame) of one chunk; problems are printed, then _Rejected."""
    from studio.serve.batch import ModelFailed, score_chunk
    from studio.serve.inputs import InputProblems

    try:
        return score_chunk(bundle, schema, chunk, unknown, text, carried)
    except InputProblems as exc:
        _report(exc.problems, done)
        raise _Rejected(2) from None
    except ModelFailed as exc:
        print(
            f"knotwork score: rows {done}–{done + len(chunk) - 1}: the model could not score them: {exc}",
            file=sys.stderr,
        )
        raise _Rejected(1) from None


def _check_input(path: str) -> str:
    fmt = _format(path, "--input")
    if not Path(path).is_file():
        raise KnotworkError(f"--input {path}: no such file")
    return fmt


def score_file(
    bundle: Any, path: str, unknown: str = "error", keep: str | None = None
) -> pd.DataFrame | None:
    """The whole file scored, as the store logs rows (inputs beside outputs), plus the
    column `keep` (a truth column) as the file has it; None when rows were rejected."""
    from studio.monitor.bundle import served_frame
    from studio.serve.inputs import InputSchema

    fmt = _check_input(path)
    schema = InputSchema(bundle.input_schema, bundle.optional_columns)
    parts, done = [], 0
    try:
        for chunk in _chunks(path, fmt, 50_000):
            if keep is not None and keep not in chunk.columns:
                raise KnotworkError(
                    f"--truth {keep}: no such column in {path} (it has {list(chunk.columns)})"
                )
            carried = () if keep is None or keep in schema.names else (keep,)
            rows, out = _score_chunk(bundle, schema, chunk, unknown, fmt == "csv", done, carried)
            part = served_frame(rows.frame(), out)
            if keep is not None:
                truth = chunk[keep].reset_index(drop=True)
                if fmt == "csv":
                    truth = truth.replace("", None)
                    try:
                        truth = pd.to_numeric(truth)
                    except (ValueError, TypeError):
                        pass
                part[keep] = truth
            parts.append(part)
            done += len(chunk)
    except _Rejected:
        return None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise KnotworkError(f"--input {path}: unreadable: {exc}") from None
    if not parts:
        raise KnotworkError(f"--input {path}: no rows to evaluate")
    return pd.concat(parts, ignore_index=True)


class _Log:
    """Scored rows to the monitoring store, one request id per chunk."""

    def __init__(self, url: str | None, chunk_rows: int):
        import uuid

        from studio.serve.batch import open_store

        self.store = open_store(url, chunk_rows)
        self.batch = f"batch-{uuid.uuid4().hex}"
        self.chunks = 0

    def write(self, bundle: Any, rows: Any, out: pd.DataFrame) -> None:
        from studio.serve.batch import log_chunk

        log_chunk(self.store, f"{self.batch}-{self.chunks}", bundle, rows, out)
        self.chunks += 1

    def close(self) -> str:
        from studio.serve.batch import log_note, unlogged

        lost = unlogged(self.store)
        return log_note(self.store.url, lost, f"{self.batch}-0..{max(self.chunks - 1, 0)}")


def run(args: argparse.Namespace) -> int:
    from studio.serve.batch import OrderedWriter, beside_input, carried_columns, ignored_note
    from studio.serve.inputs import InputSchema
    from studio.serve.server import load_bundle

    if args.cluster:
        from studio.scale.scoring import score_command

        return score_command(args)
    in_fmt = _check_input(args.input)
    _format(args.output, "--output")
    if not Path(args.output).resolve().parent.is_dir():
        raise KnotworkError(f"--output {args.output}: the folder does not exist")
    if args.chunk_rows < 1:
        raise KnotworkError("--chunk-rows must be at least 1")
    bundle = load_bundle(args.bundle, args.key)
    schema = InputSchema(bundle.input_schema, bundle.optional_columns)
    log = _Log(args.store, args.chunk_rows) if args.monitor else None
    writer = OrderedWriter(args.output)
    show = sys.stderr.isatty() if args.progress is None else args.progress
    progress = _Progress(show, f"scoring with the {bundle.plan} plan")
    done = warned = 0
    ignored: set[str] = set()
    try:
        for chunk in _chunks(args.input, in_fmt, args.chunk_rows, progress):
            carried = carried_columns(list(chunk.columns), bundle) if args.with_input else ()
            rows, out = _score_chunk(
                bundle, schema, chunk, args.unknown_category, in_fmt == "csv", done, carried
            )
            warned += len(rows.warnings)
            ignored.update(rows.ignored)
            if log is not None:
                log.write(bundle, rows, out)
            if args.with_input:
                out = beside_input(chunk, out)
            writer.write(out)
            done += len(chunk)
            progress.rows = done
    except _Rejected as exc:
        writer.abort()
        return exc.code
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        writer.abort()
        raise KnotworkError(f"--input {args.input}: unreadable: {exc}") from None
    except BaseException:
        writer.abort()
        raise
    finally:
        progress.close()
        logged = log.close() if log is not None else ""
    if done == 0:
        writer.write(
            pd.DataFrame(
                columns=bundle.output_schema.names if bundle.output_schema is not None else []
            )
        )
    writer.commit()
    if ignored:
        print(f"note: {ignored_note(ignored)}", file=sys.stderr)
    note = f" ({warned} unseen categor{'y' if warned == 1 else 'ies'} accepted)" if warned else ""
    print(
        f"Scored {done} rows with {bundle.name} version {bundle.version} ({bundle.plan} plan) → {args.output}"
        f"{note}{logged if done else ''}"
    )
    return 0
