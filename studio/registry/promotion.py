"""Governed moves of environments and aliases: promote (policy-checked), approve (four
eyes), rollback (one step back), and free aliases. Each runs in one transaction holding
the model's lock and writes its audit entry in that same transaction, whatever the outcome.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import NotFoundError, PermissionDeniedError, PromotionRefusedError, RegistryError
from .identity import Identity
from .policy import PolicyReport, PromotionFacts, evaluate
from .schema import AliasMoveRow, AliasRow, ApprovalRow, ModelRow, RequestRow, VersionRow, now
from .verification import signature_verdict

if TYPE_CHECKING:
    from .store import Registry


def _env(reg: Registry, env: str) -> str:
    if env not in reg.config.environments:
        raise NotFoundError(
            f"{env!r} is not an environment (environments: {', '.join(reg.config.environments)})"
        )
    return env


def _move(
    s: Session,
    model: ModelRow,
    alias: str,
    to: VersionRow | None,
    kind: str,
    who: Identity,
    reason: str,
    governed: bool,
) -> int | None:
    """Point the alias at `to` (None removes it) and record the move; return the previous version id."""
    row = s.get(AliasRow, (model.id, alias))
    before = row.version_id if row else None
    s.add(
        AliasMoveRow(
            model_id=model.id,
            alias=alias,
            from_version_id=before,
            to_version_id=to.id if to else None,
            kind=kind,
            actor=who.name,
            reason=reason,
            at=now(),
        )
    )
    if to is None:
        if row is not None:
            s.delete(row)
    elif row is None:
        s.add(
            AliasRow(
                model_id=model.id,
                name=alias,
                version_id=to.id,
                governed=governed,
                moved_at=now(),
                moved_by=who.name,
            )
        )
    else:
        row.version_id, row.moved_at, row.moved_by = to.id, now(), who.name
    return before


def _was_in(s: Session, model: ModelRow, alias: str, version: VersionRow) -> bool:
    q = select(AliasMoveRow.id).where(
        AliasMoveRow.model_id == model.id,
        AliasMoveRow.alias == alias,
        AliasMoveRow.to_version_id == version.id,
    )
    return s.scalar(q.limit(1)) is not None


def _can_move(reg: Registry, who: Identity, env: str) -> tuple[bool, str]:
    need = "approver" if reg.config.policy(env).protected else "editor"
    if who.at_least(need):
        return True, f"{who.name} ({who.role}) may move {env}"
    return False, f"{who.name} has role {who.role}; moving {env} needs {need} or admin"


def _report(
    reg: Registry,
    s: Session,
    who: Identity,
    model: ModelRow,
    version: VersionRow,
    env: str,
    requester: str = "",
) -> PolicyReport:
    previous = reg.config.previous(env)
    approvers = s.scalars(
        select(ApprovalRow.approver).where(
            ApprovalRow.version_id == version.id, ApprovalRow.environment == env
        )
    ).all()
    path = reg.artifacts.path(version.artifact)
    ok, detail = _can_move(reg, who, env)
    facts = PromotionFacts(
        manifest=version.manifest,
        actor=who.name,
        role_allowed=ok,
        role_detail=detail,
        previous_env=previous,
        was_in_previous=previous is not None and _was_in(s, model, previous, version),
        approvers=list(approvers),
        signature=lambda: signature_verdict(path, reg.config.trusted_keys),
        requester=requester,
    )
    return evaluate(reg.config, env, model.name, version.version, facts)


def check(reg: Registry, name: str, version: str | None, env: str) -> PolicyReport:
    with reg.transaction() as s:
        who = reg.identity(s)
        model = reg.model_row(s, name)
        return _report(reg, s, who, model, reg.version_row(s, model, version), _env(reg, env))


def _result(
    model: ModelRow,
    version: VersionRow,
    env: str,
    status: str,
    report: PolicyReport | None,
    previous: VersionRow | None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "model": model.name,
        "version": version.version,
        "environment": env,
        "status": status,
        "previous": previous.version if previous else None,
        "report": report.to_json() if report else None,
        **extra,
    }


def promote(
    reg: Registry, name: str, version: str | None, env: str, reason: str = ""
) -> dict[str, Any]:
    """Move ENV to the version if the policy allows; record the attempt either way.
    When only a four-eyes approval is missing, a pending request is recorded instead."""
    _env(reg, env)
    refused: PolicyReport | None = None
    with reg.transaction() as s:
        who = reg.identity(s)
        reg.lock_model(s, name)
        model = reg.model_row(s, name)
        target = reg.version_row(s, model, version)
        report = _report(reg, s, who, model, target, env)
        current = s.get(AliasRow, (model.id, env))
        if report.allowed:
            if current is not None and current.version_id == target.id:
                reg.audit(
                    s,
                    who,
                    "promote",
                    "ok",
                    model=name,
                    version=target.version,
                    environment=env,
                    reason=reason,
                    unchanged=True,
                    checks=report.to_json()["checks"],
                )
                return _result(model, target, env, "unchanged", report, target)
            before = _move(s, model, env, target, "promote", who, reason, governed=True)
            _close_requests(s, target, env)
            reg.audit(
                s,
                who,
                "promote",
                "ok",
                model=name,
                version=target.version,
                environment=env,
                reason=reason,
                previous=_version_name(s, before),
                checks=report.to_json()["checks"],
            )
            return _result(
                model,
                target,
                env,
                "promoted",
                report,
                s.get(VersionRow, before) if before else None,
            )
        if report.awaiting_approval:
            pending = s.scalar(
                select(RequestRow).where(
                    RequestRow.version_id == target.id,
                    RequestRow.environment == env,
                    RequestRow.status == "pending",
                )
            )
            if pending is None:
                s.add(
                    RequestRow(
                        version_id=target.id,
                        environment=env,
                        requested_by=who.name,
                        reason=reason,
                        at=now(),
                        status="pending",
                    )
                )
            reg.audit(
                s,
                who,
                "promote",
                "pending",
                model=name,
                version=target.version,
                environment=env,
                reason=reason,
                checks=report.to_json()["checks"],
            )
            return _result(model, target, env, "awaiting approval", report, None)
        reg.audit(
            s,
            who,
            "promote",
            "refused",
            model=name,
            version=target.version,
            environment=env,
            reason=reason,
            checks=report.to_json()["checks"],
        )
        refused = report
    raise PromotionRefusedError(refused)


def approve(
    reg: Registry, name: str, version: str | None, env: str, reason: str = ""
) -> dict[str, Any]:
    """Record a second person's approval; if a promotion request is waiting, carry it out."""
    _env(reg, env)
    refusal: Exception | None = None
    with reg.transaction() as s:
        who = reg.identity(s)
        reg.lock_model(s, name)
        model = reg.model_row(s, name)
        target = reg.version_row(s, model, version)
        pending = s.scalar(
            select(RequestRow)
            .where(
                RequestRow.version_id == target.id,
                RequestRow.environment == env,
                RequestRow.status == "pending",
            )
            .order_by(RequestRow.id)
        )
        if not who.at_least("approver"):
            refusal = PermissionDeniedError(
                f"{who.name} has role {who.role}; approving needs approver or admin"
            )
        elif pending is not None and pending.requested_by == who.name:
            refusal = PermissionDeniedError(
                f"{who.name} requested this promotion and cannot approve it too: a second person must approve (four eyes)"
            )
        if refusal is not None:
            reg.audit(
                s,
                who,
                "approve",
                "refused",
                model=name,
                version=target.version,
                environment=env,
                reason=reason,
                error=str(refusal),
            )
        else:
            s.add(
                ApprovalRow(
                    version_id=target.id,
                    environment=env,
                    approver=who.name,
                    reason=reason,
                    at=now(),
                )
            )
            s.flush()
            reg.audit(
                s,
                who,
                "approve",
                "ok",
                model=name,
                version=target.version,
                environment=env,
                reason=reason,
                requested_by=pending.requested_by if pending else None,
            )
            if pending is None:
                return _result(model, target, env, "approved", None, None)
            report = _report(reg, s, who, model, target, env, requester=pending.requested_by)
            if not report.allowed:
                reg.audit(
                    s,
                    who,
                    "promote",
                    "refused",
                    model=name,
                    version=target.version,
                    environment=env,
                    reason=pending.reason,
                    requested_by=pending.requested_by,
                    checks=report.to_json()["checks"],
                )
                return _result(model, target, env, "approved, promotion refused", report, None)
            before = _move(
                s, model, env, target, "promote", who, pending.reason or reason, governed=True
            )
            _close_requests(s, target, env)
            reg.audit(
                s,
                who,
                "promote",
                "ok",
                model=name,
                version=target.version,
                environment=env,
                reason=pending.reason,
                requested_by=pending.requested_by,
                approved_by=who.name,
                previous=_version_name(s, before),
                checks=report.to_json()["checks"],
            )
            return _result(
                model,
                target,
                env,
                "promoted",
                report,
                s.get(VersionRow, before) if before else None,
                requested_by=pending.requested_by,
            )
    raise refusal


def _close_requests(s: Session, version: VersionRow, env: str) -> None:
    for req in s.scalars(
        select(RequestRow).where(RequestRow.environment == env, RequestRow.status == "pending")
    ):
        if req.version_id == version.id:
            req.status = "done"


def _version_name(s: Session, version_id: int | None) -> str | None:
    return s.get(VersionRow, version_id).version if version_id else None


def history_stack(s: Session, model: ModelRow, alias: str) -> list[int]:
    """Versions the alias went through, oldest first, with rolled-back moves undone."""
    stack: list[int] = []
    for move in s.scalars(
        select(AliasMoveRow)
        .where(AliasMoveRow.model_id == model.id, AliasMoveRow.alias == alias)
        .order_by(AliasMoveRow.id)
    ):
        if move.kind == "rollback":
            if stack:
                stack.pop()
        elif move.to_version_id is None:
            stack = []
        else:
            stack.append(move.to_version_id)
    return stack


def rollback(reg: Registry, name: str, env: str, reason: str = "") -> dict[str, Any]:
    """Point ENV back at the version it held before its last move, in one audited step."""
    _env(reg, env)
    error: RegistryError | None = None
    with reg.transaction() as s:
        who = reg.identity(s)
        reg.lock_model(s, name)
        model = reg.model_row(s, name)
        ok, detail = _can_move(reg, who, env)
        stack = history_stack(s, model, env)
        if not ok:
            error = PermissionDeniedError(detail)
        elif len(stack) < 2:
            error = RegistryError(f"{name}@{env} has no earlier version to roll back to")
        if error is not None:
            reg.audit(
                s,
                who,
                "rollback",
                "refused",
                model=name,
                environment=env,
                reason=reason,
                error=str(error),
            )
        else:
            current, target = s.get(VersionRow, stack[-1]), s.get(VersionRow, stack[-2])
            _move(s, model, env, target, "rollback", who, reason, governed=True)
            reg.audit(
                s,
                who,
                "rollback",
                "ok",
                model=name,
                version=target.version,
                environment=env,
                reason=reason,
                previous=current.version,
            )
            return _result(model, target, env, "rolled back", None, current)
    raise error


def set_alias(
    reg: Registry, name: str, version: str | None, alias: str, reason: str = ""
) -> dict[str, Any]:
    """Point a free alias (champion, challenger…) at a version; environments go through promote."""
    if alias in reg.config.environments:
        raise RegistryError(
            f"{alias!r} is an environment: use `promote {name}:{version} --to {alias}`"
        )
    if not alias or not alias.replace("-", "").replace("_", "").isalnum():
        raise RegistryError(f"alias {alias!r}: use letters, digits, '-' or '_'")
    with reg.transaction() as s:
        who = reg.identity(s, "editor")
        reg.lock_model(s, name)
        model = reg.model_row(s, name)
        target = reg.version_row(s, model, version)
        before = _move(s, model, alias, target, "set", who, reason, governed=False)
        reg.audit(
            s,
            who,
            "alias",
            "ok",
            model=name,
            version=target.version,
            environment=alias,
            reason=reason,
            previous=_version_name(s, before),
        )
        return _result(
            model, target, alias, "moved", None, s.get(VersionRow, before) if before else None
        )


def moves_json(s: Session, model: ModelRow, alias: str) -> list[dict[str, Any]]:
    rows = s.scalars(
        select(AliasMoveRow)
        .where(AliasMoveRow.model_id == model.id, AliasMoveRow.alias == alias)
        .order_by(AliasMoveRow.id)
    ).all()
    return [
        {
            "id": r.id,
            "from": _version_name(s, r.from_version_id),
            "to": _version_name(s, r.to_version_id),
            "kind": r.kind,
            "actor": r.actor,
            "reason": r.reason,
            "at": r.at,
        }
        for r in rows
    ]
