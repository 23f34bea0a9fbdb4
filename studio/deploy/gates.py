"""Deploy gates: what `build_bundle` refuses before it writes anything, unless told otherwise.

- a failing Validation Report (the model overfits, leaks or was not held out);
- a scope that contains a learner's fit: the bundle would refit nothing, but it would
  freeze the model fitted on whatever reached the Deployment Input in training;
- a frozen static table above a size limit: usually the training table itself (target
  included) wired into the scope by mistake.

Every override the user gives is recorded in the manifest (`deploy_overrides`), which the
registry copies into its audit log when the bundle is registered.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from studio.core.ports import Model, Table
from studio.core.workflow import Workflow

from .capture import CaptureScope
from .errors import BundleError

DEFAULT_MAX_FROZEN_TABLE = 1_000_000  # bytes of Parquet; a lookup table fits, a training set rarely


class GateError(BundleError):
    """The build was refused by a deploy gate; the message says which and how to override."""


@dataclass(frozen=True)
class DeployOverrides:
    allow_failed_validation: bool = False
    allow_fit_in_scope: bool = False
    max_frozen_table: int = DEFAULT_MAX_FROZEN_TABLE  # bytes; frozen tables above it are refused


def parse_size(text: str) -> int:
    """'500kB', '2MB', '1.5GiB' or a plain number of bytes."""
    units = {
        "": 1,
        "b": 1,
        "kb": 1000,
        "mb": 1000**2,
        "gb": 1000**3,
        "kib": 1024,
        "mib": 1024**2,
        "gib": 1024**3,
    }
    raw = text.strip().lower().replace(" ", "")
    number = raw.rstrip("abcdefghijklmnopqrstuvwxyz")
    unit = raw[len(number) :]
    try:
        value = float(number)
    except ValueError:
        value = -1.0
    if unit not in units or value < 0:
        raise ValueError(f"{text!r} is not a size: use e.g. 500kB, 2MB or a number of bytes")
    return int(value * units[unit])


def human_size(n: int) -> str:
    for unit, size in (("GB", 1000**3), ("MB", 1000**2), ("kB", 1000)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


def frozen_tables(
    workflow: Workflow, scope: CaptureScope, statics: list[dict[str, Any]], files: dict[str, bytes]
) -> list[dict[str, Any]]:
    """Every table static input the bundle freezes: where it enters, where it comes from, its
    shape and its size in the bundle."""
    tables = []
    for lk, desc in zip(scope.static_inputs, statics):
        value = workflow.output(lk.source, lk.source_port)
        if not isinstance(value, Table):
            continue
        data = desc["value"].get("data")
        tables.append(
            {
                "node": workflow.node(lk.target).label,
                "port": lk.target_port,
                "source": f'output "{lk.source_port}" of "{workflow.node(lk.source).label}"',
                "rows": int(len(value.df)),
                "columns": int(value.df.shape[1]),
                "bytes": len(files.get(data, b"")),
            }
        )
    return tables


def describe_table(t: dict[str, Any]) -> str:
    return (
        f'"{t["node"]}".{t["port"]} ← {t["source"]}: {t["rows"]:,} rows × {t["columns"]} columns, '
        f"{human_size(t['bytes'])}"
    )


def fits_in_scope(workflow: Workflow, scope: CaptureScope, run: Any) -> list[str]:
    """Labels of the learners whose fit lies inside the scope (their fitted state is a model)."""
    return [
        workflow.node(n).label
        for n in scope.stateful_nodes
        if isinstance(run.fitted(n), Model) or workflow.node_type(n).category == "Learners"
    ]


def check_scope(
    learners: list[str], tables: list[dict[str, Any]], overrides: DeployOverrides
) -> list[str]:
    """Refuse a learner fit or an oversized frozen table in the scope; returns notes on the
    ones the overrides let through."""
    problems, notes = [], []
    if learners:
        names = ", ".join(f'"{name}"' for name in learners)
        text = (
            f"the scope contains the fit of {names}: the bundle would freeze a model fitted on the "
            "rows that reached the Deployment Input in training, not the validated one"
        )
        if overrides.allow_fit_in_scope:
            notes.append(f"{text} (allowed by --allow-fit-in-scope)")
        else:
            problems.append(
                f"{text}. Move the learner before the Deployment Input and feed its model to a "
                "Predictor inside the scope, or pass --allow-fit-in-scope"
            )
    for t in tables:
        if t["bytes"] <= overrides.max_frozen_table:
            continue
        problems.append(
            f"the frozen table {describe_table(t)} is larger than the limit "
            f"{human_size(overrides.max_frozen_table)}: is it training data wired into the scope? "
            "It would be signed into the bundle, target included. Rewire it outside the scope, "
            "or raise the limit with --max-frozen-table SIZE"
        )
    if problems:
        raise GateError("deploy refused:\n" + "\n".join(f"  - {p}" for p in problems))
    return notes


def validation_verdict(validation: dict[str, Any] | None) -> tuple[str, list[str]]:
    """The Validation Report's status ("pass", "warn", "fail" or "none") and its failing checks."""
    if not validation:
        return "none", []
    failing = [
        f"{c.get('check', '?')}: {c.get('message', '')}"
        for c in validation.get("checks", [])
        if c.get("status") == "fail"
    ]
    status = str(validation.get("status") or ("fail" if failing else "pass"))
    return status, failing


def check_validation(
    validation: dict[str, Any] | None, overrides: DeployOverrides
) -> tuple[str, list[str]]:
    """Refuse a bundle whose Validation Report fails unless allowed; returns (status, notes)."""
    status, failing = validation_verdict(validation)
    if status != "fail":
        return status, []
    detail = "\n".join(f"  - {f}" for f in failing) or "  - (no failing check named)"
    if not overrides.allow_failed_validation:
        raise GateError(
            "deploy refused: the Validation Report fails:\n"
            + detail
            + "\nFix the workflow, or pass --allow-failed-validation (recorded in the manifest and "
            "the registry's audit log)"
        )
    return status, [
        "the Validation Report fails and the bundle was built anyway (--allow-failed-validation):\n"
        + detail
    ]
