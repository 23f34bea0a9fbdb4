"""The typed status every monitor evaluation returns and the store records."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .drift.results import DatasetDrift
from .verdict import Verdict, worst


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class WindowInfo(_Frozen):
    """Which rows an evaluation looked at: `size` as configured ("500 rows", "1h")."""

    mode: str
    size: str
    start: float | None = None
    end: float | None = None
    n_rows: int = 0


class MetricStatus(_Frozen):
    """A live (from feedback) or estimated (CBPE) metric against its floor/ceiling."""

    metric: str
    value: float | None
    floor: float | None
    ceiling: float | None
    verdict: Verdict
    n_rows: int
    min_rows: int
    estimated: bool = False
    assumptions: str | None = None


class MonitorStatus(_Frozen):
    name: str
    kind: str  # drift | performance | estimated_performance
    verdict: Verdict
    window: WindowInfo
    drift: DatasetDrift | None = None
    metric: MetricStatus | None = None
    message: str = ""


class EvaluationStatus(_Frozen):
    """What `evaluate` returns and records: every monitor of one model at one time."""

    model: str
    version: str | None
    at: float
    monitors: list[MonitorStatus]

    @property
    def verdict(self) -> Verdict:
        return worst([m.verdict for m in self.monitors])

    @property
    def alerting(self) -> bool:
        return self.verdict is Verdict.ALERT


class AlertEvent(_Frozen):
    """A verdict transition of a monitor (`column` "") or one of its columns."""

    at: float
    model: str
    version: str | None
    monitor: str
    column: str
    previous: Verdict
    current: Verdict
    statistic: float | None = None
    threshold: float | None = None
    message: str = ""
    delivered: list[bool] = []
