"""The monitoring history: evaluations (the series behind plots and reports) and alert
events (the alert history, and the state an alerter resumes from)."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select

from .schema import AlertRow, EvaluationRow
from .status import AlertEvent, EvaluationStatus, MonitorStatus
from .verdict import Verdict


def record_evaluation(engine: Engine, status: EvaluationStatus) -> None:
    rows = [
        {
            "ts": status.at,
            "model": status.model,
            "version": status.version or "",
            "monitor": m.name,
            "kind": m.kind,
            "verdict": m.verdict.value,
            "n_rows": m.window.n_rows,
            "status": m.model_dump(mode="json"),
        }
        for m in status.monitors
    ]
    if rows:
        with engine.begin() as conn:
            conn.execute(insert(EvaluationRow), rows)


def evaluations(
    engine: Engine, model: str, monitor: str | None = None, since: float | None = None
) -> list[tuple[float, MonitorStatus]]:
    """Past statuses, oldest first: the series behind "statistic over time" plots."""
    e = EvaluationRow
    query = select(e.ts, e.status).where(e.model == model).order_by(e.id)
    if monitor is not None:
        query = query.where(e.monitor == monitor)
    if since is not None:
        query = query.where(e.ts >= since)
    with engine.connect() as conn:
        return [(r.ts, MonitorStatus.model_validate(r.status)) for r in conn.execute(query)]


def record_alert(engine: Engine, event: AlertEvent) -> None:
    row = event.model_dump(mode="json", exclude={"at"})
    row.update(ts=event.at, version=event.version or "")
    with engine.begin() as conn:
        conn.execute(insert(AlertRow), [row])


def alerts(engine: Engine, model: str, limit: int = 1000) -> list[AlertEvent]:
    """The newest `limit` alert events of a model, oldest first."""
    a = AlertRow
    query = select(a).where(a.model == model).order_by(a.id.desc()).limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [_event(r) for r in reversed(rows)]


def alert_state(engine: Engine, model: str) -> dict[tuple[str, str], Verdict]:
    """The last verdict alerted per (monitor, column): where an alerter resumes, so a
    restarted server or the next cron run does not notify the same alert again."""
    return {(e.monitor, e.column): e.current for e in alerts(engine, model, limit=100_000)}


def _event(row) -> AlertEvent:
    return AlertEvent(
        at=row.ts,
        model=row.model,
        version=row.version or None,
        monitor=row.monitor,
        column=row.column,
        previous=Verdict(row.previous),
        current=Verdict(row.current),
        statistic=row.statistic,
        threshold=row.threshold,
        message=row.message,
        delivered=row.delivered,
    )
