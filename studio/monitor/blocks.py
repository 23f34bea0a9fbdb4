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
    if type(rows) is dict:  # kept as given: the store only reads it
        return rows
    if isinstance(rows, Mapping):
        return dict(rows)
    names = list(dict.fromkeys(k for r in rows for k in r))
    return {n: [r.get(n) for r in rows] for n in names}


def n_rows_of(columns: Mapping[str, Sequence[Any]]) -> int:
    return min((len(v) for v in columns.values()), default=0)


@dataclass
class Request:
    """One request whose rows are made later, on the writer thread (`rows` callables)."""

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


class Batch:
    """Requests of one model version with the same columns, joined as they are logged.

    Adding a request keeps references to its columns; the block is made with one list
    of pieces and one Arrow conversion per column, so nothing runs in Python once per
    request and column, on the request path or the writer thread.
    """

    __slots__ = ("model", "version", "names", "parts", "ids", "firsts", "sizes", "ts", "n_rows")

    def __init__(self, model: str, version: str, inputs: Sequence[str], outputs: Sequence[str]):
        self.model, self.version = model, version
        self.names = (tuple(inputs), tuple(outputs))
        self.parts: tuple[list[Mapping], list[Mapping]] = ([], [])
        self.ids: list[str] = []
        self.firsts: list[int] = []
        self.sizes: list[int] = []
        self.ts: list[float] = []
        self.n_rows = 0

    def add(
        self,
        request_id: str,
        ts: float,
        n: int,
        inputs: Mapping[str, Sequence[Any]],
        outputs: Mapping[str, Sequence[Any]],
    ) -> None:
        """Join a request whose column names are the batch's."""
        self.ids.append(request_id)
        self.firsts.append(self.n_rows)
        self.sizes.append(n)
        self.ts.append(ts)
        self.parts[0].append(inputs)
        self.parts[1].append(outputs)
        self.n_rows += n

    def block(self) -> Block:
        sizes = np.array(self.sizes, dtype=np.int64)
        n = self.n_rows
        ts = np.repeat(np.array(self.ts, dtype=np.float64), sizes)
        if n == len(self.ids):  # one row per request: the usual case of a server
            ids, rows = pa.array(self.ids, pa.string()), np.zeros(n, dtype=np.int64)
        else:  # each id once, then a code per row: a third of a block's bytes before
            codes = np.repeat(np.arange(len(self.ids), dtype=np.int32), sizes)
            ids = pa.DictionaryArray.from_arrays(codes, pa.array(self.ids, pa.string()))
            rows = np.arange(n, dtype=np.int64) - np.repeat(np.array(self.firsts), sizes)
        columns = {REQUEST_ID: ids, ROW: rows, TS: ts}
        for prefix, names, parts in zip((INPUT, OUTPUT), self.names, self.parts, strict=True):
            for name in names:
                columns[prefix + name] = _arrow(self._pieces([p[name] for p in parts]))
        return Block(
            self.model,
            self.version,
            float(ts.min()) if n else 0.0,
            float(ts.max()) if n else 0.0,
            n,
            encode(pa.table(columns)),
            list(zip(self.ids, self.firsts, self.sizes, strict=True)),
        )

    def _pieces(self, pieces: list[Any]) -> list[Any]:
        """A column's pieces, each cut or padded with None to its request's row count."""
        try:
            if list(map(len, pieces)) == self.sizes:
                return pieces
        except TypeError:  # a None piece: the request lacked the column
            pass
        return [_fit(v, k) for v, k in zip(pieces, self.sizes, strict=True)]


class Batcher:
    """Waiting rows in arrival order: batches of at most `max_rows` rows (a request larger
    than that is a batch of its own), one per model version and columns, and `Request`s
    whose rows the writer makes (they close the open batches, so the order holds)."""

    def __init__(self, max_rows: int):
        self.max_rows = max_rows
        self.items: list[Batch | Request] = []
        self._open: dict[tuple, Batch] = {}

    def add(
        self,
        request_id: str,
        model: str,
        version: str,
        ts: float,
        n: int,
        inputs: Mapping[str, Sequence[Any]],
        outputs: Mapping[str, Sequence[Any]],
    ) -> None:
        key = (model, version, tuple(inputs), tuple(outputs))
        batch = self._open.get(key)
        if batch is None or (batch.n_rows and batch.n_rows + n > self.max_rows):
            batch = self._open[key] = Batch(model, version, key[2], key[3])
            self.items.append(batch)
        batch.add(request_id, ts, n, inputs, outputs)

    def adopt(self, batch: Batch) -> None:
        """Take a batch made elsewhere as the open one of its model version and columns."""
        self.items.append(batch)
        self._open[(batch.model, batch.version, *batch.names)] = batch

    def add_later(self, request: Request) -> None:
        self.items.append(request)
        self._open.clear()

    def put_back(self, batches: Sequence[Batch]) -> None:
        """Batches a failed write took return before everything logged since."""
        self.items[:0] = batches

    def drop_oldest(self) -> int:
        """Forget the oldest waiting item (the buffer is full); returns its row count."""
        item = self.items.pop(0)
        self._open = {k: b for k, b in self._open.items() if b is not item}
        return item.n_rows

    def take(self) -> list[Batch | Request]:
        items, self.items = self.items, []
        self._open.clear()
        return items


def resolve(items: Sequence[Batch | Request], max_rows: int) -> list[Batch]:
    """The waiting items as batches only: a `Request` makes its rows now and joins the
    batch before it when that has room."""
    out = Batcher(max_rows)
    for item in items:
        if isinstance(item, Batch):
            out.adopt(item)
        else:
            inputs, outputs = columns_of(item.inputs), columns_of(item.outputs)
            out.add(
                item.request_id, item.model, item.version, item.ts, item.n_rows, inputs, outputs
            )
    return [b for b in out.items if isinstance(b, Batch)]


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
    if all(isinstance(p, np.ndarray) and p.dtype == object for p in pieces):
        # Text columns (a request's parsed strings): Arrow reads the object array in C;
        # other contents (numbers mixed in) take the path below.
        joined = np.concatenate(pieces) if len(pieces) > 1 else first
        try:
            return pa.array(joined, pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass
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
    table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
    if REQUEST_ID in table.column_names and pa.types.is_dictionary(table[REQUEST_ID].type):
        at = table.column_names.index(REQUEST_ID)  # plain text again, as older blocks hold it
        table = table.set_column(at, REQUEST_ID, table[REQUEST_ID].cast(pa.string()))
    return table.to_pandas()


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
