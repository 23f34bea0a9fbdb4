"""Typed drift results: one per column, one per dataset (what status and reports show)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..verdict import Verdict


class ColumnDrift(BaseModel):
    """One column's test: `statistic` against `threshold`, or `p_value` below it."""

    model_config = ConfigDict(frozen=True)

    column: str
    kind: str
    test: str
    statistic: float | None
    p_value: float | None
    threshold: float
    drifted: bool
    verdict: Verdict
    n_reference: int
    n_current: int


class DatasetDrift(BaseModel):
    """All columns, and the dataset verdict: drifted when `drifted_share >= drift_share`."""

    model_config = ConfigDict(frozen=True)

    columns: list[ColumnDrift]
    drifted_share: float
    drift_share: float
    drifted: bool
    verdict: Verdict
    n_reference: int
    n_current: int

    def column(self, name: str) -> ColumnDrift:
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)
