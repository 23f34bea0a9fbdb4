"""Batch scoring pieces shared by `knotwork score` and its Dask variant (studio.scale):
one chunk of rows validated and scored by the bundle's fastest plan, the scored chunks
appended in order to a file that appears atomically, and their monitoring log."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from studio.core.errors import KnotworkError

FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


class ModelFailed(Exception):
    """The bundle could not score rows that fit its schema; the text says why."""


def score_chunk(
    bundle: Any,
    schema: Any,
    chunk: pd.DataFrame,
    unknown: str,
    text: bool,
    carried: tuple[str, ...] | list[str] = (),
) -> tuple[Any, pd.DataFrame]:
    """(parsed rows, output frame) of one chunk: InputProblems for rows that do not fit
    the schema, ModelFailed when the model cannot score them. Extra columns follow the one
    rule (schema.extra_columns), except the `carried` ones (--with-input, a --truth column)
    that go beside the output unscored."""
    if carried:
        chunk = chunk.drop(columns=[c for c in carried if c in chunk.columns])
    rows = schema.from_frame(chunk, unknown, text=text)
    try:
        out = (
            pd.DataFrame(bundle.predict_rows(rows)) if rows.n_rows else bundle.predict(rows.frame())
        )
    except (KnotworkError, ValueError, TypeError, KeyError) as exc:
        raise ModelFailed(str(exc)) from None
    return rows, getattr(out, "df", out).reset_index(drop=True)


def carried_columns(columns: list[str], bundle: Any) -> list[str]:
    """The columns `--with-input` carries beside the outputs that the bundle does not take."""
    taken = {*bundle.input_schema.names, *bundle.optional_columns}
    return [str(c) for c in columns if str(c) not in taken]


def ignored_note(ignored: Any) -> str:
    """What score prints once for the known extra columns it left out."""
    from studio.deploy.schema import IGNORED

    return f"column(s) {', '.join(map(repr, sorted(ignored)))}: {IGNORED}" if ignored else ""


def beside_input(chunk: pd.DataFrame, out: pd.DataFrame) -> pd.DataFrame:
    """`--with-input`: the chunk's columns (those the outputs do not replace), then the outputs."""
    kept = chunk.reset_index(drop=True).drop(columns=[c for c in out.columns if c in chunk.columns])
    return pd.concat([kept, out], axis=1)


class OrderedWriter:
    """Scored chunks appended in order to a temp file beside the target; `commit` renames
    it into place, `abort` removes it (the target is never half written). Parquet chunks
    are gathered into row groups of about GROUP_ROWS rows: a row group per small chunk made
    writing three times slower than scoring, and readers slower too."""

    GROUP_ROWS = 250_000

    def __init__(self, path: str):
        self.path = Path(path)
        self.fmt = FORMATS[self.path.suffix.lower()]
        fd, tmp = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent
        )
        os.close(fd)
        self.tmp, self._parquet, self._first = Path(tmp), None, True
        self._pending: list[Any] = []  # Arrow tables not yet written as a row group
        self._pending_rows = 0

    def write(self, df: pd.DataFrame) -> None:
        if self.fmt == "csv":
            df.to_csv(self.tmp, mode="w" if self._first else "a", header=self._first, index=False)
        else:
            import pyarrow as pa

            schema = self._pending[0].schema if self._pending else None
            if schema is None and self._parquet is not None:
                schema = self._parquet.schema
            table = pa.Table.from_pandas(df, schema=schema, preserve_index=False)
            self._pending.append(table)
            self._pending_rows += table.num_rows
            if self._pending_rows >= self.GROUP_ROWS or self._first:
                self._flush()  # the first chunk at once: the file's schema is fixed by it
        self._first = False

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._pending:
            return
        table = pa.concat_tables(self._pending) if len(self._pending) > 1 else self._pending[0]
        if self._parquet is None:
            # Dictionary pages for text, codes and flags; not for floats, where they rarely
            # pay and cost two thirds of the writing time.
            coded = [f.name for f in table.schema if not pa.types.is_floating(f.type)]
            self._parquet = pq.ParquetWriter(self.tmp, table.schema, use_dictionary=coded)
        self._parquet.write_table(table, row_group_size=max(table.num_rows, 1))
        self._pending, self._pending_rows = [], 0

    def commit(self) -> None:
        if self.fmt != "csv":
            self._flush()
        if self._parquet is not None:
            self._parquet.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self._pending = []
        if self._parquet is not None:
            self._parquet.close()
        self.tmp.unlink(missing_ok=True)


def open_store(url: str | None, chunk_rows: int) -> Any:
    """A monitoring store that logs in the caller's thread and holds a chunk if it is down."""
    from studio.monitor import MonitorStore

    return MonitorStore(url, background=False, max_buffer=max(100_000, chunk_rows))


def log_chunk(store: Any, request_id: str, bundle: Any, rows: Any, out: pd.DataFrame) -> None:
    """One scored chunk to the store as one request; a store that is down costs the rows'
    monitoring, never the scoring."""
    from studio.serve.holder import frame_columns, records

    inputs = records(frame_columns(rows.frame()))
    store.log_predictions(
        request_id, bundle.name, bundle.version, inputs, records(frame_columns(out))
    )
    store.flush()


def unlogged(store: Any) -> int:
    """Close the store; the rows it could not log."""
    store.close()
    stats = store.stats()
    return stats.dropped_rows + stats.buffered_rows


def log_note(url: str, lost: int, logged_as: str) -> str:
    """The end of the summary line: where the rows were logged, or how many were not."""
    from studio.monitor.database import redacted

    where = redacted(url)
    if lost:
        return f"; {lost} rows NOT logged to the monitoring store {where} (unreachable)"
    return f"; logged to {where} as {logged_as}"
