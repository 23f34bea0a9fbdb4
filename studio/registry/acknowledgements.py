"""Acknowledged Validation Report warnings: a person read a warning of one version and
accepts it for one environment, with a reason. Each acknowledgement is an entry of the
append-only, hash-chained audit log (action "acknowledge"), so it cannot be edited away,
and the policy reads them back from there."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from .metrics import check_name, validation_report
from .policy import validation_warnings
from .results import Acknowledgement
from .schema import AuditRow, VersionRow
from .session import UnitOfWork

ACTION = "acknowledge"


def acknowledgements(w: UnitOfWork, model: str, version: str) -> list[Acknowledgement]:
    """Every acknowledgement of the version, oldest first."""
    rows = w.s.scalars(
        select(AuditRow)
        .where(
            AuditRow.model == model,
            AuditRow.version == version,
            AuditRow.action == ACTION,
            AuditRow.outcome == "ok",
        )
        .order_by(AuditRow.id)
    ).all()
    return [
        Acknowledgement(
            check=str(r.details.get("check", "")),
            environment=r.environment,
            actor=r.actor,
            reason=r.reason,
            at=r.at,
        )
        for r in rows
    ]


def acknowledged(w: UnitOfWork, model: str, version: str, env: str) -> dict[str, str]:
    """Check name -> "who (why)" of the warnings acknowledged for ENV; the latest counts."""
    return {
        a.check: f"{a.actor} ({a.reason})"
        for a in acknowledgements(w, model, version)
        if a.environment == env
    }


def refusal(row: VersionRow, checks: Iterable[str], reason: str) -> str | None:
    """Why these checks cannot be acknowledged for the version, or None when they can."""
    checks = list(checks)
    if not checks:
        return None
    if not reason.strip():
        return "--acknowledge needs --reason: say why each warning is acceptable (kept in the audit log)"
    report = validation_report(row.manifest) or {}
    warns = validation_warnings(report)
    status = {check_name(c): str(c.get("status", "?")) for c in report.get("checks", [])}
    problems = []
    for name in checks:
        if name in warns:
            continue
        if status.get(name) == "fail":
            problems.append(f"{name!r} failed: a failure cannot be acknowledged, fix the model")
        elif name in status:
            problems.append(f"{name!r} is {status[name]}, not a warning: nothing to acknowledge")
        else:
            problems.append(f"the Validation Report has no check {name!r}")
    if not problems:
        return None
    listed = ", ".join(repr(w) for w in warns) or "none"
    return "; ".join(problems) + f" (its warnings: {listed})"


def record(
    w: UnitOfWork, model: str, version: str, env: str, checks: Iterable[str], reason: str
) -> None:
    """Append one acknowledgement per check, inside the caller's transaction."""
    for name in dict.fromkeys(checks):
        w.audit(
            ACTION, "ok", model=model, version=version, environment=env, reason=reason, check=name
        )
