"""Each expectation of a test case checked against a finished run: `evaluate` returns
None when it holds, or the reason it does not, as "expected …, got …"."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from studio.core import NodeState, Workflow
from studio.core.executor import RunResult
from studio.core.fileformat import atomic_write
from studio.core.ports import Model, PortType, Table

from .schema import (
    ColumnsCheck,
    Expectation,
    FailsCheck,
    GoldenCheck,
    MetricCheck,
    RowsCheck,
    VerdictCheck,
)

MAX_CELLS_SHOWN = 3  # a golden mismatch lists this many cells, then counts the rest


def metrics_port(wf: Workflow, node: str, port: str | int | None) -> str | int:
    """The port a metric is read from: the one named, else the first metrics output, else
    the first model output (its training metrics)."""
    if port is not None:
        return port
    outputs = wf.node_type(node).outputs
    for kind in (PortType.METRICS, PortType.MODEL):
        for i, p in enumerate(outputs):
            if p.type == kind:
                return i
    return 0


def describe(wf: Workflow, exp: Expectation) -> str:
    """`"Score test".metrics` — the node and port an expectation looks at, for messages."""
    label = wf.node(exp.node).label
    if isinstance(exp, FailsCheck):
        return f'"{label}"'
    port = (
        metrics_port(wf, exp.node, exp.port)
        if isinstance(exp, (MetricCheck, VerdictCheck))
        else exp.port
    )
    outputs = wf.node_type(exp.node).outputs
    name = outputs[port].name if isinstance(port, int) else port
    return f'"{label}".{name}'


def _why_not_run(wf: Workflow, result: RunResult, node: str) -> str:
    nid = wf.node(node).id
    if nid in result.errors:
        return f"the node failed: {_own_message(wf, nid, result.errors[nid])}"
    failed = [a for a in nx.ancestors(wf.graph, nid) if a in result.errors]
    if failed:
        first = failed[0]
        return (
            f'it did not run: upstream node "{wf.node(first).label}" failed: '
            f"{_own_message(wf, first, result.errors[first])}"
        )
    if result.cancelled:
        return "it did not run: the run was cancelled"
    return f"it did not run (state {result.state(nid)})"


def _own_message(wf: Workflow, nid: str, message: str) -> str:
    return message.removeprefix(wf.node(nid).label + ": ")


def _number(value: Any) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def evaluate(wf: Workflow, result: RunResult, exp: Expectation, base: Path) -> str | None:
    """None when `exp` holds after `result`; otherwise why not. `base` is the test file's
    folder, against which golden files resolve."""
    where = describe(wf, exp)
    if isinstance(exp, FailsCheck):
        return _fails(wf, result, exp, where)
    if result.state(exp.node) != NodeState.EXECUTED:
        return f"{where}: {_why_not_run(wf, result, exp.node)}"
    if isinstance(exp, (MetricCheck, VerdictCheck)):
        value = result.output(exp.node, metrics_port(wf, exp.node, exp.port))
        values = value.metrics if isinstance(value, Model) else getattr(value, "values", None)
        if not isinstance(values, dict):
            return f"{where}: expected metrics, got a {type(value).__name__}"
        if isinstance(exp, VerdictCheck):
            return _verdict(values, exp, where)
        return _metric(values, exp, where)
    value = result.output(exp.node, exp.port)
    if not isinstance(value, Table):
        return f"{where}: expected a table, got a {type(value).__name__}"
    if isinstance(exp, RowsCheck):
        return _rows(len(value.df), exp, where)
    if isinstance(exp, ColumnsCheck):
        return _columns(list(value.df.columns), exp, where)
    return golden_difference(value.df, exp, base, where)


def _fails(wf: Workflow, result: RunResult, exp: FailsCheck, where: str) -> str | None:
    nid = wf.node(exp.node).id
    wanted = f" with a message containing {exp.message!r}" if exp.message else ""
    if nid not in result.errors:
        if result.state(nid) == NodeState.EXECUTED:
            return f"{where}: expected to fail{wanted}, but it ran without error"
        return f"{where}: expected to fail{wanted}, but {_why_not_run(wf, result, nid)}"
    message = _own_message(wf, nid, result.errors[nid])
    if exp.message not in message:
        return f"{where}: expected a failure containing {exp.message!r}, got: {message}"
    return None


def _metric(values: dict, exp: MetricCheck, where: str) -> str | None:
    if exp.metric not in values:
        numeric = [k for k, v in values.items() if isinstance(v, (int, float))]
        return f"{where}: no metric {exp.metric!r} (its metrics: {', '.join(numeric) or 'none'})"
    actual = values[exp.metric]
    if isinstance(actual, bool) or not isinstance(actual, (int, float)):
        return f"{where}: metric {exp.metric!r} is {actual!r}, not a number"
    if math.isnan(actual):
        return f"{where}: {exp.metric} is NaN"
    if exp.at_least is not None and actual < exp.at_least:
        return f"{where}: expected {exp.metric} >= {_number(exp.at_least)}, got {_number(actual)}"
    if exp.at_most is not None and actual > exp.at_most:
        return f"{where}: expected {exp.metric} <= {_number(exp.at_most)}, got {_number(actual)}"
    return None


def _verdict(values: dict, exp: VerdictCheck, where: str) -> str | None:
    status = values.get("status")
    if not isinstance(status, str):
        return f"{where}: has no verdict (no 'status'); is it a Validation Report?"
    if status in exp.one_of:
        return None
    failing = [
        f"{c.get('check', '?')}: {c.get('message', '')}".strip()
        for c in values.get("checks", [])
        if isinstance(c, dict) and c.get("status") in ("warn", "fail")
    ]
    detail = f" ({'; '.join(failing[:3])})" if failing else ""
    return f"{where}: expected status {' or '.join(exp.one_of)}, got {status}{detail}"


def _rows(n: int, exp: RowsCheck, where: str) -> str | None:
    if exp.equals is not None and n != exp.equals:
        return f"{where}: expected {exp.equals} rows, got {n}"
    if exp.min is not None and n < exp.min:
        return f"{where}: expected at least {exp.min} rows, got {n}"
    if exp.max is not None and n > exp.max:
        return f"{where}: expected at most {exp.max} rows, got {n}"
    return None


def _columns(columns: list[str], exp: ColumnsCheck, where: str) -> str | None:
    missing = [c for c in exp.include if c not in columns]
    present = [c for c in exp.exclude if c in columns]
    problems = []
    if missing:
        problems.append(f"expected columns {', '.join(missing)}, which are missing")
    if present:
        problems.append(f"expected no columns {', '.join(present)}, which are present")
    if problems:
        return f"{where}: {'; '.join(problems)} (its columns: {', '.join(map(str, columns))})"
    return None


def write_golden(actual: pd.DataFrame, exp: GoldenCheck, base: Path) -> str:
    """Write the table a golden check reads (its `columns`, or all) as the new golden file,
    atomically; returns what was written, for the report."""
    table = actual[exp.columns] if exp.columns is not None else actual
    atomic_write(base / exp.file, table.to_csv(index=False))
    return f"wrote {exp.file} ({len(table)} rows, {len(table.columns)} columns)"


def golden_difference(actual: pd.DataFrame, exp: GoldenCheck, base: Path, where: str) -> str | None:
    """None when the table equals the golden CSV within tolerance; else what differs."""
    path = base / exp.file
    try:
        golden = pd.read_csv(path)
    except (OSError, ValueError) as exc:
        return f"{where}: cannot read golden file {path}: {exc}"
    names = [str(c) for c in actual.columns]
    actual = actual.set_axis(names, axis=1)
    if exp.columns is not None:
        columns = exp.columns
        missing = [c for c in columns if c not in names] + [
            f"{c} (golden)" for c in columns if c not in golden.columns
        ]
        if missing:
            return f"{where}: compared columns missing: {', '.join(missing)}"
    else:
        columns = names
        if set(names) != set(golden.columns):
            extra = sorted(set(names) - set(golden.columns))
            lacking = sorted(set(golden.columns) - set(names))
            return (
                f"{where}: columns differ from {exp.file}: "
                f"not in the golden file: {', '.join(extra) or 'none'}; "
                f"missing from the output: {', '.join(lacking) or 'none'}"
            )
    if len(actual) != len(golden):
        return f"{where}: expected {len(golden)} rows as in {exp.file}, got {len(actual)}"
    cells: list[str] = []
    count = 0
    for column in columns:
        got = actual[column].reset_index(drop=True)
        want = golden[column]
        bad = _column_mismatch(got, want, exp)
        count += int(bad.sum())
        for row in np.flatnonzero(bad)[: MAX_CELLS_SHOWN - len(cells)]:
            cells.append(
                f"row {row}, column {column!r}: expected {_cell(want[row])}, got {_cell(got[row])}"
            )
    if not count:
        return None
    more = f" (and {count - len(cells)} more)" if count > len(cells) else ""
    tol = f"abs_tol {exp.abs_tol:g}, rel_tol {exp.rel_tol:g}"
    return (
        f"{where}: {count} cell(s) differ from {exp.file} beyond tolerance ({tol}): "
        f"{'; '.join(cells)}{more}"
    )


def _cell(value: Any) -> str:
    """A cell as the user wrote it in the CSV: 0.25, 'Adelie', NaN (not np.float64(0.25))."""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return repr(float(value))
    if value is None or value is pd.NA:
        return "missing"
    return repr(str(value))


def _column_mismatch(got: pd.Series, want: pd.Series, exp: GoldenCheck) -> np.ndarray:
    """A mask of the cells that differ: numbers within tolerance, anything else as text;
    a missing value equals a missing value."""
    both_missing = (got.isna() & want.isna()).to_numpy()
    numeric = pd.api.types.is_numeric_dtype(got) and pd.api.types.is_numeric_dtype(want)
    if numeric:
        a = got.to_numpy(dtype=float)
        b = want.to_numpy(dtype=float)
        with np.errstate(invalid="ignore"):
            close = np.abs(a - b) <= exp.abs_tol + exp.rel_tol * np.abs(b)
        return ~(close | both_missing)
    same = (got.astype(str).to_numpy() == want.astype(str).to_numpy()) | both_missing
    return ~same
