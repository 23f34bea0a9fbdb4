"""Request rows → validated, typed columns, checked against the bundle's input schema.

Compiled once per bundle so the hot path is a loop over a pre-built column order with
numpy coercion; every problem names the row (0-based) and the column at fault.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import replace
from datetime import datetime
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd

from studio.core.ports import ColumnSpec, TableSpec
from studio.deploy.plan import ParsedRows

_PLAIN_NUMBERS = frozenset({int, float})  # exactly these types: bool is judged as a bool
MAX_PROBLEMS = 50  # a bad 100k-row upload answers with the first problems, not all of them
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
_INT64 = (-(2**63), 2**63 - 1)
# What pandas reads as missing in a CSV file, so `knotwork score` and text/csv agree with training.
NA_TEXT = frozenset({"", "NA", "N/A", "n/a", "NaN", "nan", "null", "NULL", "None", "#N/A", "<NA>"})


class InputProblems(Exception):
    """Rows that do not fit the input schema; `problems` is the 422 body's `detail`."""

    def __init__(self, problems: list[dict[str, Any]]):
        self.problems = problems[:MAX_PROBLEMS]
        super().__init__("; ".join(_describe(p) for p in self.problems[:3]))


def problem(row: int | None, column: str | None, error: str) -> dict[str, Any]:
    return {"row": row, "column": column, "error": error}


def _describe(p: dict[str, Any]) -> str:
    where = ", ".join(
        x
        for x in (
            f"row {p['row']}" if p["row"] is not None else "",
            f"column {p['column']!r}" if p["column"] else "",
        )
        if x
    )
    return f"{where}: {p['error']}" if where else p["error"]


class _Column:
    """Coercion of one column's raw values (JSON values or CSV text) to its dtype."""

    def __init__(self, spec: ColumnSpec):
        self.name = spec.name
        self.dtype = spec.dtype
        cats = spec.categories
        self.categories = list(cats) if cats is not None else None
        self.allowed = set(cats) if cats is not None else None
        # CSV carries text; map a category's text form back to the category (e.g. year 2007).
        self.by_text = {str(c): c for c in cats} if cats is not None else None

    # -- one value ------------------------------------------------------------------
    def _value(self, v: Any, text: bool) -> Any:
        """Return the coerced value or raise ValueError with the reason."""
        if v is None or (text and v in NA_TEXT):
            return None
        d = self.dtype
        if d == "number":
            if text:
                return float(v)
            if type(v) is bool or not isinstance(v, (int, float)):
                raise ValueError(f"expected a number, got {_kind(v)}")
            return float(v)
        if d == "integer":
            if text:
                v = (
                    float(v)
                    if any(ch in v for ch in ".eE") or v.strip().lower() in ("nan", "inf", "-inf")
                    else int(v)
                )
            elif type(v) is bool or not isinstance(v, (int, float)):
                raise ValueError(f"expected an integer, got {_kind(v)}")
            if isinstance(v, float):
                if math.isnan(v):
                    return None
                if not v.is_integer():
                    raise ValueError(f"expected an integer, got {v!r}")
                v = int(v)
            if not _INT64[0] <= v <= _INT64[1]:
                raise ValueError("integer out of the 64-bit range")
            return v
        if d == "boolean":
            if text:
                low = v.strip().lower()
                if low in _TRUE:
                    return True
                if low in _FALSE:
                    return False
                raise ValueError(f"expected true or false, got {v!r}")
            if type(v) is not bool:
                raise ValueError(f"expected true or false, got {_kind(v)}")
            return v
        if d == "datetime":
            if isinstance(v, datetime):  # Parquet gives timestamps, not text
                ts = pd.Timestamp(v)
                return ts.tz_convert(None) if ts.tzinfo is not None else ts
            if not isinstance(v, str):
                raise ValueError(f"expected an ISO 8601 date-time string, got {_kind(v)}")
            try:
                ts = pd.Timestamp(v)
            except (ValueError, OverflowError, TypeError):
                raise ValueError(f"expected an ISO 8601 date-time, got {v!r}") from None
            if ts is pd.NaT:
                return None
            return ts.tz_convert(None) if ts.tzinfo is not None else ts
        # string / category
        if text:
            return self.by_text.get(v, v) if self.by_text is not None else v
        if self.categories is not None and not isinstance(v, str) and v in self.allowed:
            return v  # non-text categories such as a year
        if not isinstance(v, str):
            raise ValueError(f"expected a string, got {_kind(v)}")
        return v

    # -- a whole column ---------------------------------------------------------------
    def coerce(
        self, values: list[Any], text: bool, unknown: str, problems: list, warnings: list
    ) -> Any:
        """Coerce a column, appending problems; return a numpy array or pandas array."""
        n = len(values)
        if not text and self.dtype == "number":
            try:
                fast = np.asarray(values) if n else np.empty(0)
            except (ValueError, TypeError, OverflowError):
                fast = None  # ragged lists or objects: the per-value loop names the bad rows
            if fast is not None and fast.ndim == 1 and fast.dtype.kind in "if":  # clean numbers
                return fast.astype(np.float64, copy=False)
        out: list[Any] = [None] * n
        for i, v in enumerate(values):
            try:
                out[i] = self._value(v, text)
            except (ValueError, TypeError, OverflowError) as exc:
                problems.append(
                    problem(i, self.name, str(exc) if not text else _text_error(self.dtype, v, exc))
                )
                if len(problems) >= MAX_PROBLEMS:
                    break
        if self.allowed is not None:
            for i, v in enumerate(out):
                if v is not None and v not in self.allowed:
                    msg = f"value {v!r} was not seen in training (known: {', '.join(map(str, self.categories[:20]))})"
                    (problems if unknown == "error" else warnings).append(
                        problem(i, self.name, msg)
                    )
                    if len(problems) >= MAX_PROBLEMS:
                        break
        return self._array(out)

    def _array(self, out: list[Any]) -> Any:
        has_null = any(v is None for v in out)
        d = self.dtype
        if d == "number":
            return np.array([np.nan if v is None else v for v in out], dtype=np.float64)
        if d == "integer":
            if has_null:
                return np.array([np.nan if v is None else v for v in out], dtype=np.float64)
            return np.array(out, dtype=np.int64)
        if d == "boolean":
            return np.array(out, dtype=object if has_null else bool)
        if d == "datetime":
            return pd.DatetimeIndex([pd.NaT if v is None else v for v in out]).to_numpy()
        if d == "category" and self.categories is not None:
            seen = list(self.categories) + sorted(
                {v for v in out if v is not None and v not in self.allowed}, key=str
            )
            return pd.Categorical(out, categories=seen)
        arr = np.empty(len(out), dtype=object)
        arr[:] = out
        return arr


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, (int, float)):
        return f"the number {v!r}"
    if isinstance(v, str):
        return f"the string {v[:40]!r}"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


def _text_error(dtype: str, v: str, exc: Exception) -> str:
    if dtype in ("number", "integer"):
        return f"expected {'an integer' if dtype == 'integer' else 'a number'}, got {v[:40]!r}"
    return str(exc)


class InputSchema:
    """The bundle's input TableSpec compiled for request parsing."""

    def __init__(self, spec: TableSpec, known_extras: list[str] | tuple[str, ...] = ()):
        self.spec = spec
        self.names = spec.names
        self._columns = [_Column(c) for c in spec.columns]
        self._known = set(self.names)
        # schema.extra_columns: these are left out with a note, any other extra is refused
        self._extras = frozenset(known_extras) - self._known
        # A record's values in schema order, as a tuple (KeyError when one is missing).
        if len(self.names) > 1:
            self._values_of: Any = itemgetter(*self.names)
        else:  # itemgetter of one name gives the value itself, of none a TypeError
            self._values_of = lambda rec: tuple(rec[k] for k in self.names)
        # Every column a plain number: records can go straight into one float matrix.
        self.all_numbers = bool(spec.columns) and all(
            c.dtype == "number" and c.categories is None for c in spec.columns
        )

    def _number_matrix(self, records: list[Any]) -> ParsedRows | None:
        """The fast path for all-number schemas; None when any row needs the careful path
        (a record that is not a dict of exactly the inputs, a value not a plain int/float)."""
        names, width = self.names, len(self.names)
        get = self._values_of
        rows = []
        for rec in records:
            if type(rec) is not dict or len(rec) != width:
                return None
            try:
                rows.append(get(rec))
            except KeyError:
                return None
        if not set(map(type, chain.from_iterable(rows))) <= _PLAIN_NUMBERS:
            return None  # bools, text, nulls, lists: each is judged by the careful path
        try:
            matrix = np.array(rows, dtype=np.float64).reshape(len(rows), width)
        except OverflowError:
            return None
        return ParsedRows({k: matrix[:, j] for j, k in enumerate(names)}, len(rows), matrix=matrix)

    def _finish(
        self,
        raw: dict[str, list[Any]],
        n: int,
        text: bool,
        unknown: str,
        problems: list,
        typed: dict[str, Any] | None = None,
        ignored: tuple[str, ...] = (),
    ) -> ParsedRows:
        warnings: list[dict[str, Any]] = []
        cols: dict[str, Any] = {}
        for col in self._columns:
            if typed is not None and col.name in typed:
                cols[col.name] = typed[col.name]
                continue
            cols[col.name] = col.coerce(raw[col.name], text, unknown, problems, warnings)
            if len(problems) >= MAX_PROBLEMS:
                break
        if problems:
            raise InputProblems(problems)
        return ParsedRows(cols, n, warnings[:MAX_PROBLEMS], ignored=ignored)

    def from_records(self, records: list[Any], unknown: str = "error") -> ParsedRows:
        if self.all_numbers:
            fast = self._number_matrix(records)
            if fast is not None:
                return fast
        problems: list[dict[str, Any]] = []
        raw: dict[str, list[Any]] = {name: [None] * len(records) for name in self.names}
        names, known, extras = self.names, self._known, self._extras
        ignored: set[str] = set()
        for i, rec in enumerate(records):
            if not isinstance(rec, dict):
                problems.append(
                    problem(i, None, f"expected an object of column values, got {_kind(rec)}")
                )
                continue
            if extras and not extras.isdisjoint(rec):
                ignored.update(extras.intersection(rec))
                rec = {k: v for k, v in rec.items() if k not in extras}
            if len(rec) != len(names) or not known.issuperset(rec):
                problems += [problem(i, k, "unknown column") for k in rec if k not in known]
                problems += [problem(i, k, "missing column") for k in names if k not in rec]
                continue
            for k in names:
                raw[k][i] = rec[k]
            if len(problems) >= MAX_PROBLEMS:
                break
        if problems:
            raise InputProblems(problems)
        return self._finish(
            raw, len(records), False, unknown, problems, ignored=tuple(sorted(ignored))
        )

    def from_columns(
        self, data: dict[str, Any], unknown: str = "error", text: bool = False
    ) -> ParsedRows:
        ignored = tuple(k for k in data if k in self._extras)
        if ignored:
            data = {k: v for k, v in data.items() if k not in self._extras}
        problems = [problem(None, k, "unknown column") for k in data if k not in self._known]
        problems += [problem(None, k, "missing column") for k in self.names if k not in data]
        lengths = {k: len(v) for k, v in data.items() if isinstance(v, list)}
        problems += [
            problem(None, k, f"expected a list of values, got {_kind(v)}")
            for k, v in data.items()
            if not isinstance(v, list)
        ]
        if problems:
            raise InputProblems(problems)
        n = max(lengths.values(), default=0)
        short = [k for k, m in lengths.items() if m != n]
        if short:
            raise InputProblems(
                [
                    problem(None, k, f"has {lengths[k]} values but other columns have {n}")
                    for k in short
                ]
            )
        return self._finish(
            {k: data[k] for k in self.names}, n, text, unknown, problems, ignored=ignored
        )

    def from_json(self, body: Any, unknown: str = "error") -> ParsedRows:
        """Records `[{...}]`, columns `{"col": [...]}` or one record `{"col": value}`."""
        if isinstance(body, list):
            return self.from_records(body, unknown)
        if isinstance(body, dict):
            if body and all(isinstance(v, list) for v in body.values()):
                return self.from_columns(body, unknown)
            if any(isinstance(v, list) for v in body.values()):
                raise InputProblems(
                    [
                        problem(
                            None,
                            None,
                            'mixes lists and single values: send records [{...}] or columns {"col": [...]}',
                        )
                    ]
                )
            return self.from_records([body], unknown)
        raise InputProblems(
            [
                problem(
                    None,
                    None,
                    f'expected records [{{...}}] or columns {{"col": [...]}}, got {_kind(body)}',
                )
            ]
        )

    def from_csv(self, text: str, unknown: str = "error") -> ParsedRows:
        reader = csv.reader(io.StringIO(text))
        try:
            header = next(reader)
        except StopIteration:
            raise InputProblems(
                [problem(None, None, "empty CSV: the first line must name the columns")]
            ) from None
        except csv.Error as exc:
            raise InputProblems([problem(None, None, f"unreadable CSV: {exc}")]) from None
        header = [h.strip() for h in header]
        dup = sorted({h for h in header if header.count(h) > 1})
        if dup:
            raise InputProblems(
                [problem(None, h, "column named twice in the CSV header") for h in dup]
            )
        cols: dict[str, list[Any]] = {h: [] for h in header}
        problems: list[dict[str, Any]] = []
        try:
            for i, line in enumerate(reader):
                if not line:
                    continue
                if len(line) != len(header):
                    problems.append(
                        problem(i, None, f"has {len(line)} fields, the header has {len(header)}")
                    )
                    if len(problems) >= MAX_PROBLEMS:
                        break
                    continue
                for h, v in zip(header, line, strict=False):
                    cols[h].append(v)
        except csv.Error as exc:
            problems.append(problem(None, None, f"unreadable CSV: {exc}"))
        if problems:
            raise InputProblems(problems)
        return self.from_columns(cols, unknown, text=True)

    def from_frame(
        self, df: pd.DataFrame, unknown: str = "error", text: bool = False
    ) -> ParsedRows:
        """Batch scoring: a frame read from a file, validated like a request. A column
        already in its schema type (Parquet's float64, int64, bool for a number, integer or
        boolean column) is taken as it is, once per frame; the others value by value."""
        ignored = tuple(str(k) for k in df.columns if str(k) in self._extras)
        if ignored:
            df = df[[k for k in df.columns if str(k) not in self._extras]]
        names = [str(k) for k in df.columns]
        problems = [problem(None, k, "unknown column") for k in names if k not in self._known]
        problems += [problem(None, k, "missing column") for k in self.names if k not in names]
        if problems or len(set(names)) != len(names):
            data = {str(k): _values(df[k]) for k in df.columns}
            return replace(self.from_columns(data, unknown, text=text), ignored=ignored)
        frame = df.set_axis(names, axis=1)
        typed = (
            {}
            if text
            else {c.name: a for c in self._columns if (a := _typed(frame[c.name], c)) is not None}
        )
        if self.all_numbers and len(typed) == len(self.names):  # one float block, as rows_of
            mat = frame[self.names].to_numpy(dtype=np.float64)
            return ParsedRows(
                {k: mat[:, j] for j, k in enumerate(self.names)},
                len(frame),
                matrix=mat,
                ignored=ignored,
            )
        raw = {k: _values(frame[k]) for k in self.names if k not in typed}
        return self._finish(raw, len(frame), text, unknown, [], typed, ignored)


def _values(s: pd.Series) -> list[Any]:
    """A column's values as Python objects, missing ones None (what a request carries)."""
    return s.astype(object).where(s.notna(), None).tolist()


def _typed(s: pd.Series, col: _Column) -> Any:
    """The column as `_Column.coerce` would make it, when its dtype already guarantees
    every value passes (no per-value check needed); None otherwise."""
    if col.allowed is not None:
        return None
    kind = s.dtype.kind if isinstance(s.dtype, np.dtype) else ""
    if col.dtype == "number" and kind in "fiu":
        return s.to_numpy(dtype=np.float64)
    if col.dtype == "integer" and s.dtype == np.int64:
        return s.to_numpy()
    if col.dtype == "boolean" and kind == "b":
        return s.to_numpy()
    return None
