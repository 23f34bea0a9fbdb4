"""The truth the scoring nodes compare with: the `truth_column` setting, or else the
column marked with the target role, so a workflow says once which column is predicted."""

from __future__ import annotations

from typing import Any

from studio.core import ConfigureError
from studio.core.node import ColumnField
from studio.core.ports import TableSpec


def TruthField(what: str = "classes") -> Any:
    """The `truth_column` setting of a scoring node (empty: the target-role column)."""
    return ColumnField(
        None, description=f"Column with the true {what} (default: the target-role column)"
    )


def truth_column(chosen: str | None, spec: TableSpec, what: str = "classes") -> str:
    """The truth column, checked against the table: the chosen one or the target-role one."""
    truth = chosen or spec.target()
    if not truth:
        raise ConfigureError(
            f"choose the column with the true {what}, or mark it as the target with Column Roles",
            where="truth_column",
        )
    spec.require(truth, setting="truth_column")
    if spec.column(truth).missing:
        raise ConfigureError(
            f"the truth column {truth!r} has missing values: filter those rows out first "
            f"(Row Filter), there is nothing to compare their predictions with",
            where="truth_column",
        )
    return truth
