"""How a bundle scores: the fastest plan proven equal to its own graph, in the order
ONNX (onnxruntime) → compiled (the nodes' array-level applies on numpy columns) → graph.

A plan takes validated rows (`ParsedRows`: typed columns, as the server parses them) and
returns the Deployment Output columns, or None for a batch it cannot answer exactly (a
gap, an unseen category, an error the graph words better); that batch then runs through
the graph, so an answer never depends on which plan ran. A plan is used only after it
reproduced the graph on the bundle's example and reference rows, at build and at load.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from studio.core.node import float_matrix
from studio.core.ports import ColumnSpec, TableSpec

from .parity import compare
from .schema import same_columns, spec_columns

log = logging.getLogger("knotwork.deploy")

# Where a node input comes from when the bundle runs.
REQUEST, STATIC, NODE, NONE = 0, 1, 2, 3
ORDER = ("onnx", "compiled")  # the faster plans, fastest first; "graph" always remains
CHECK_ROWS = 500  # reference rows each plan is checked on (plus the input example)


@dataclass
class ParsedRows:
    """Typed columns in schema order plus warnings (unknown categories in warn mode)."""

    columns: dict[str, Any]
    n_rows: int
    warnings: list[dict[str, Any]] = field(default_factory=list)
    matrix: np.ndarray | None = None  # all-number schemas: the rows x columns float array itself
    ignored: tuple[str, ...] = ()  # known extra columns sent and left out (schema.extra_columns)

    def frame(self) -> pd.DataFrame:
        """The rows as a DataFrame; an all-number matrix whose columns are its own views
        becomes one float block at once (20 one-row columns cost a block each otherwise)."""
        mat = self.matrix
        if mat is not None and _columns_view(mat, self.columns):
            return pd.DataFrame(mat, columns=_labels(tuple(self.columns)), copy=False)
        return pd.DataFrame(self.columns, copy=False)


def _columns_view(mat: np.ndarray, columns: dict[str, Any]) -> bool:
    """Each column is the matching column of the float matrix `mat` itself (a view)."""
    if mat.ndim != 2 or mat.dtype != np.float64 or mat.shape[1] != len(columns) or not columns:
        return False
    start, (row_step, col_step) = mat.__array_interface__["data"][0], mat.strides
    for j, col in enumerate(columns.values()):
        if (
            not isinstance(col, np.ndarray)
            or col.dtype != np.float64
            or col.shape != (mat.shape[0],)
            or col.strides != (row_step,)
            or col.__array_interface__["data"][0] != start + j * col_step
        ):
            return False
    return True


def _labels(names: tuple[str, ...]) -> pd.Index:
    """pandas' default Index of these column names, made once per layout."""
    labels = _LABELS.get(names)
    if labels is None:
        if len(_LABELS) > 256:
            _LABELS.clear()
        labels = _LABELS[names] = pd.Index(list(names))
    return labels


def columns_frame(cols: dict[str, Any], index: pd.Index) -> pd.DataFrame:
    """`pd.DataFrame(cols, index=index)`, the same frame made faster: the column names' Index
    is made once per output layout (inferring a text Index costs more than a one-row
    request's values) and put on a frame built under positional keys."""
    names = tuple(cols)
    if not names:
        return pd.DataFrame(cols, index=index, copy=False)
    labels = _labels(names)
    frame = pd.DataFrame(dict(enumerate(cols.values())), index=index, copy=False)
    frame.columns = labels
    return frame


_LABELS: dict[tuple[str, ...], pd.Index] = {}


class Refused(Exception):
    """A plan cannot serve this bundle; the message says why (shown by /metadata and inspect)."""


def with_reference_categories(spec: TableSpec, reference: dict[str, Any] | None) -> TableSpec:
    """Text columns without declared categories get the values the reference profile saw,
    when that list is complete, so unseen values can be caught (or warned about)."""
    profiles = (reference or {}).get("columns", {})
    cols = []
    for c in spec.columns:
        ref = profiles.get(c.name) or {}
        freq = ref.get("frequencies")
        if c.categories is None and c.dtype == "string" and freq and ref.get("other", 1) == 0:
            c = ColumnSpec(c.name, c.dtype, tuple(sorted(freq)))
        cols.append(c)
    return TableSpec(tuple(cols), spec.roles)


def all_numbers(spec: TableSpec) -> bool:
    """Every column a plain number: rows can travel as one float matrix."""
    return bool(spec.columns) and all(
        c.dtype == "number" and c.categories is None for c in spec.columns
    )


def rows_of(frame: pd.DataFrame, spec: TableSpec, matrix: bool = True) -> ParsedRows:
    """Conformed request rows (schema order and types, see schema.conform; an optional
    target column included) as ParsedRows, with a warning per value outside a text
    column's known categories."""
    numbers = all_numbers(spec)
    if numbers and same_columns(frame.columns, spec_columns(spec)):
        mat = frame.to_numpy(dtype=np.float64)  # one float block: columns are views of it
        return ParsedRows(
            {n: mat[:, j] for j, n in enumerate(spec.names)},
            len(frame),
            [],
            mat if matrix else None,
        )
    names = [str(c) for c in frame.columns]
    if numbers and set(spec.names) <= set(names):  # the inputs and an optional target
        inputs = list(spec.names)
        label = dict(zip(names, frame.columns, strict=True))
        block = frame if names == inputs else frame[[label[n] for n in inputs]]  # no target
        mat = block.to_numpy(dtype=np.float64)
        at = {n: j for j, n in enumerate(inputs)}
        columns = {n: mat[:, at[n]] if n in at else frame[label[n]].to_numpy() for n in names}
        return ParsedRows(columns, len(frame), [], mat if matrix else None)
    columns = {n: frame[c].to_numpy() for n, c in zip(names, frame.columns, strict=True)}
    warnings = []
    for c in spec.columns:
        if c.categories is not None and c.dtype in ("string", "category"):
            values = columns[c.name]
            known = set(c.categories)
            bad = [
                i
                for i, v in enumerate(values.tolist())
                if v is not None and v == v and v not in known
            ]
            warnings += [{"row": i, "column": c.name, "error": "not seen in training"} for i in bad]
    mat = None
    if matrix and numbers:
        mat = float_matrix(columns, list(spec.names))
    return ParsedRows(columns, len(frame), warnings, mat)


# ---- the compiled plan ------------------------------------------------------------------
def _plain_column(values: Any) -> np.ndarray:
    """A column as the array hooks see it: categoricals as object arrays, None for gaps."""
    if isinstance(values, pd.Categorical) or isinstance(
        getattr(values, "dtype", None), pd.CategoricalDtype
    ):
        arr = np.asarray(values, dtype=object)
        arr[pd.isna(arr)] = None
        return arr
    return values if isinstance(values, np.ndarray) else np.asarray(values)


class CompiledPlan:
    """The captured nodes' `compile_arrays` functions run in topological order on columns."""

    name = "compiled"

    def __init__(
        self,
        steps: list[tuple[str, Callable[[dict[str, Any]], Any], str | None]],
        output: str,
        captured: TableSpec,
    ):
        self._steps = steps  # (node id, array apply, node id it reads; None = the request)
        self._output = output
        self._captured = captured

    @classmethod
    def build(cls, steps: list[Any], output: str, captured: TableSpec) -> CompiledPlan:
        """Raise Refused naming the first node that cannot join the plan."""
        compiled = []
        read_by: set[tuple[str, int]] = set()
        for step in steps:
            flows = [(k, v, i) for k, v, i in step.sources if k in (REQUEST, NODE)]
            if len(flows) != 1:
                raise Refused(f'node "{step.label}" takes rows from {len(flows)} tables, not one')
            kind, source, index = flows[0]
            read_by.add((source, index))
            inputs = [v if k == STATIC else None for k, v, _ in step.sources]
            try:
                fn = step.node_type().compile_arrays(step.settings, step.fitted, inputs, step.ctx)
            except Exception as exc:  # a hook that cannot compile: the graph serves
                raise Refused(
                    f'node "{step.label}" could not compile its array apply: {type(exc).__name__}: {exc}'
                ) from None
            if fn is None:
                raise Refused(
                    f'node "{step.label}" ({step.node_type.type_id}) has no array-level apply'
                )
            compiled.append((step.node_id, fn, source if kind == NODE else None))
        if any(index != 0 for _, index in read_by if _ is not None):
            raise Refused("a node reads a second output (a Transform) of a node in the scope")
        return cls(compiled, output, captured)

    def predict(self, rows: ParsedRows) -> dict[str, Any] | None:
        n = rows.n_rows
        request = {}
        for c in self._captured.columns:
            values = rows.columns.get(c.name)
            if values is None:  # an optional column (the target) the request left out
                values = np.full(n, np.nan) if c.is_numeric else np.full(n, None, dtype=object)
            request[c.name] = _plain_column(values)
        tables: dict[str | None, dict[str, Any]] = {None: request}
        try:
            for node_id, fn, source in self._steps:
                out = fn(tables[source])
                if out is None:
                    return None
                tables[node_id] = out
        except (ValueError, TypeError, KeyError, IndexError, ArithmeticError):
            return None  # the graph runs these rows and reports what is wrong with them
        result = tables[self._output]
        if any(len(v) != n for v in result.values()):
            return None
        return result


# ---- choosing and proving ------------------------------------------------------------
def check_frames(bundle: Any) -> list[pd.DataFrame]:
    """The rows every plan must reproduce: the input example and a reference sample."""
    frames = []
    try:
        frames.append(pd.DataFrame(bundle.input_example))
    except Exception:  # an older bundle without an example: the reference sample suffices
        pass
    try:
        frames.append(bundle.reference_sample().head(CHECK_ROWS))
    except Exception:
        pass
    return frames


def disagreement(plan: Any, bundle: Any, frames: list[pd.DataFrame]) -> str | None:
    """Why `plan` may not serve `bundle` (None when it equals the graph on `frames`).

    Each frame is checked whole and on its complete rows, as columns and (all-number
    schemas) as one matrix: the shapes a request arrives in."""
    spec = bundle.served_schema
    checked = 0
    for frame in frames:
        frame = frame[[c for c in frame.columns if c in bundle.input_schema.names]]
        for part in (frame, frame.dropna()):
            if not len(part):
                continue
            try:
                conformed = bundle.conform(part)
            except Exception:
                continue
            want = bundle.predict_graph(conformed)
            for matrix in (False, True):
                rows = rows_of(conformed, spec, matrix)
                got = plan.predict(rows)
                if got is None:
                    continue
                report = compare(want, pd.DataFrame(got, index=want.index))
                if not report["passed"]:
                    where = report.get("first_column") or report.get("error", "")
                    return f"differs from the graph ({where}: {report.get('differing_rows', '?')} value(s)) on the reference rows"
                checked += rows.n_rows
    return None if checked else "could not be checked on any reference row"


def choose(
    bundle: Any, build: dict[str, Callable[[], Any]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """(plans proven equal to the graph, by name; why each other one was refused).
    A plan the build refused (on the training run's test rows) stays refused."""
    frames = check_frames(bundle)
    at_build = ((bundle.manifest or {}).get("scoring") or {}).get("refused") or {}
    plans: dict[str, Any] = {}
    refused: dict[str, str] = {}
    for name in ORDER:
        if name in at_build:
            refused[name] = at_build[name]
            continue
        try:
            plan = build[name]()
        except Refused as exc:
            refused[name] = str(exc)
            continue
        except Exception as exc:  # never refuse a bundle over a faster plan: the graph serves
            refused[name] = f"could not be built: {type(exc).__name__}: {exc}"
            continue
        try:
            reason = disagreement(plan, bundle, frames)
        except Exception as exc:
            reason = f"failed on the reference rows: {type(exc).__name__}: {exc}"
        if reason:
            refused[name] = reason
            log.info("%s: the %s plan is refused: %s", bundle.name, name, reason)
        else:
            plans[name] = plan
    return plans, refused


def prove_on_test_rows(
    bundle: Any, expected: pd.DataFrame, request: pd.DataFrame
) -> dict[str, Any]:
    """The manifest's `scoring` note: each plan proven at load is also run on the training
    run's test rows; one that differs there is refused (and stays refused at every load)."""
    conformed = bundle.conform(request)
    for name in list(bundle.plans):
        got = bundle.plans[name].predict(rows_of(conformed, bundle.served_schema))
        if got is None:
            continue  # rows it hands to the graph: nothing to disagree about
        report = compare(expected, pd.DataFrame(got, index=expected.index))
        if not report["passed"]:
            where = report.get("first_column") or report.get("error", "")
            bundle.refused[name] = (
                f"differs from the training run's test rows ({where}: "
                f"{report.get('differing_rows', '?')} value(s))"
            )
            del bundle.plans[name]
    return {**bundle.scoring(), "checked_rows": int(len(request))}
