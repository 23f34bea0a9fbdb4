"""Logged rows stored columnar: many requests' rows become one *block*, one database row
holding an Arrow IPC stream (LZ4) of their inputs and outputs.

One insert per block instead of one JSON document per row is what keeps logging off the
server's back: the writer thread concatenates columns, it never builds a dict per row. A
reader decodes a block into a DataFrame with typed columns in one step, no json.loads per
row, so windows of millions of rows read in seconds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

# Scored rows as records, columns (name -> values) or a DataFrame, or a function that
# makes one of those; a function is called on the writer thread, not the request path.
Rows = (
    list[dict[str, Any]]
    | Mapping[str, Sequence[Any]]
    | pd.DataFrame
    | Callable[[], "list[dict[str, Any]] | Mapping[str, Sequence[Any]] | pd.DataFrame"]
)

# Inside a block: metadata columns, then "i:<input>" and "o:<output>" so an output named
# like an input (a passed-through id column) keeps both.
REQUEST_ID, ROW, TS = "_request_id", "_row", "_ts"
INPUT, OUTPUT = "i:", "o:"
_WRITE = pa.ipc.IpcWriteOptions(compression="lz4")


def columns_of(rows: Rows) -> dict[str, Sequence[Any]]:
    """The rows as name -> values, whatever form the caller logged them in."""
    if callable(rows):
        rows = rows()
    if isinstance(rows, pd.DataFrame):
        return {str(c): rows[c].to_numpy() for c in rows.columns}
    if isinstance(rows, Mapping):
        return dict(rows)
    names = list(dict.fromkeys(k for r in rows for k in r))
    return {n: [r.get(n) for r in rows] for n in names}


def n_rows_of(columns: Mapping[str, Sequence[Any]]) -> int:
    return min((len(v) for v in columns.values()), default=0)


@dataclass
class Request:
    """One request's rows, waiting for its block."""

    request_id: str
    model: str
    version: str
    ts: float
    n_rows: int
    inputs: Rows
    outputs: Rows


@dataclass(frozen=True)
class Block:
    """Rows of one model version, ready to insert: payload plus what queries filter on."""

    model: str
    version: str
    ts_min: float
    ts_max: float
    n_rows: int
    data: bytes
    requests: list[tuple[str, int, int]]  # (request_id, first row in the block, rows)


def make_blocks(requests: Sequence[Request], max_rows: int) -> list[Block]:
    """Group waiting requests by model version, in arrival order, into blocks of at most
    `max_rows` rows (a request larger than that is a block of its own)."""
    by_model: dict[tuple[str, str], list[Request]] = {}
    for r in requests:
        by_model.setdefault((r.model, r.version), []).append(r)
    blocks = []
    for (model, version), reqs in by_model.items():
        group: list[Request] = []
        size = 0
        for r in reqs:
            if group and size + r.n_rows > max_rows:
                blocks.append(_block(model, version, group))
                group, size = [], 0
            group.append(r)
            size += r.n_rows
        if group:
            blocks.append(_block(model, version, group))
    return blocks


def _block(model: str, version: str, requests: list[Request]) -> Block:
    ins = [columns_of(r.inputs) for r in requests]
    outs = [columns_of(r.outputs) for r in requests]
    sizes = [r.n_rows for r in requests]
    ids, index, first = [], [], 0
    for r, n in zip(requests, sizes, strict=True):
        ids.extend([r.request_id] * n)
        index.append((r.request_id, first, n))
        first += n
    ts = np.repeat(np.array([r.ts for r in requests], dtype=np.float64), sizes)
    table = pa.table(
        {
            REQUEST_ID: pa.array(ids, pa.string()),
            ROW: np.concatenate([np.arange(n, dtype=np.int64) for n in sizes]),
            TS: ts,
            **_prefixed(INPUT, ins, sizes),
            **_prefixed(OUTPUT, outs, sizes),
        }
    )
    return Block(
        model,
        version,
        float(ts.min()) if first else 0.0,
        float(ts.max()) if first else 0.0,
        first,
        encode(table),
        index,
    )


def _prefixed(prefix: str, parts: list[dict[str, Sequence[Any]]], sizes: list[int]) -> dict:
    """Each column concatenated over the requests (None where a request lacked it, cut
    or padded to the request's row count). The usual case, every request with the same
    columns and lengths, is a few list operations per column, not per request."""
    names = list(parts[0])
    same = all(list(p) == names for p in parts)
    if not same:
        names = list(dict.fromkeys(n for p in parts for n in p))
    out = {}
    for name in names:
        pieces = [p[name] for p in parts] if same else [p.get(name) for p in parts]
        if not same or list(map(_len, pieces)) != sizes:
            pieces = [_fit(v, n) for v, n in zip(pieces, sizes, strict=True)]
        out[prefix + name] = _arrow(pieces)
    return out


def _len(values: Sequence[Any] | None) -> int:
    return -1 if values is None else len(values)


def _fit(values: Sequence[Any] | None, n: int) -> Sequence[Any]:
    if values is None:
        return [None] * n
    if len(values) >= n:
        return values[:n]
    return [*values, *[None] * (n - len(values))]


def _arrow(pieces: list[Sequence[Any]]) -> pa.Array:
    """One column as Arrow: numpy pieces of one dtype join as numpy; anything else goes
    through Python values, and a column of mixed kinds is kept as text."""
    first = pieces[0]
    if isinstance(first, np.ndarray) and first.dtype.kind in "biufM":
        joined = np.concatenate(pieces) if len(pieces) > 1 else first
        if joined.dtype == first.dtype:
            return pa.array(joined, from_pandas=True)
    values = list(itertools.chain.from_iterable(pieces))
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return pa.array([None if v is None or v != v else str(v) for v in values], pa.string())


def encode(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema, options=_WRITE) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def decode(data: bytes) -> pd.DataFrame:
    """A block's rows: metadata columns, inputs by name, outputs by name (an output named
    like an input gets `output_suffix`)."""
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all().to_pandas()


def split_columns(frame: pd.DataFrame, output_suffix: str) -> pd.DataFrame:
    """Rename a decoded block's "i:"/"o:" columns to the names the service used."""
    inputs = {c[len(INPUT) :] for c in frame.columns if c.startswith(INPUT)}
    names = {}
    for c in frame.columns:
        if c.startswith(INPUT):
            names[c] = c[len(INPUT) :]
        elif c.startswith(OUTPUT):
            name = c[len(OUTPUT) :]
            names[c] = name + output_suffix if name in inputs else name
    return frame.rename(columns=names)
