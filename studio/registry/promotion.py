"""Governed moves of environments and aliases: promote (policy-checked), approve (four
eyes), rollback (one step back), and free aliases. Each runs in one transaction holding
the model's lock and writes its audit entry in that same transaction, whatever the outcome.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import acknowledgements, comparison
from .errors import NotFoundError, PermissionDeniedError, PromotionRefusedError, RegistryError
from .identity import Identity
from .policy import PromotionFacts, RegistryConfig, evaluate
from .results import PolicyReport, PromotionResult
from .schema import AliasMoveRow, AliasRow, ApprovalRow, ModelRow, RequestRow, VersionRow, now
from .session import Backend, UnitOfWork
from .verification import signature_verdict


def _env(config: RegistryConfig, env: str) -> str:
    if env not in config.environments:
        raise NotFoundError(
            f"{env!r} is not an environment (environments: {', '.join(config.environments)})"
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


def _can_move(config: RegistryConfig, who: Identity, env: str) -> tuple[bool, str]:
    if not who.may_touch(env):
        return (
            False,
            f"{who.name}'s token is limited to {', '.join(who.environments or ())}, not {env}",
        )
    need = "approver" if config.policy(env).protected else "editor"
    if who.at_least(need):
        return True, f"{who.name} ({who.role}) may move {env}"
    return False, f"{who.name} has role {who.role}; moving {env} needs {need} or admin"


def _report(
    w: UnitOfWork,
    model: ModelRow,
    version: VersionRow,
    env: str,
    requester: str = "",
    acknowledging: tuple[str, ...] = (),
) -> PolicyReport:
    """The policy report; `acknowledging`: warnings counted as acknowledged by the caller
    (a dry run's `--acknowledge`, not recorded)."""
    s, who, config = w.s, w.who, w.config
    previous = config.previous(env)
    approvers = s.scalars(
        select(ApprovalRow.approver).where(
            ApprovalRow.version_id == version.id, ApprovalRow.environment == env
        )
    ).all()
    path = w.artifacts.path(version.artifact)
    ok, detail = _can_move(config, who, env)
    gate = config.policy(env).beats_current
    facts = PromotionFacts(
        manifest=version.manifest,
        actor=who.name,
        role_allowed=ok,
        role_detail=detail,
        previous_env=previous,
        was_in_previous=previous is not None and _was_in(s, model, previous, version),
        approvers=list(approvers),
        signature=lambda: signature_verdict(path, config.trusted_keys),
        requester=requester,
        acknowledged={
            **acknowledgements.acknowledged(w, model.name, version.version, env),
            **{c: f"{who.name} (this promotion)" for c in acknowledging},
        },
        champion=None if gate is None else _champion_check(w, model, version, env, gate),
    )
    return evaluate(config, env, model.name, version.version, facts)


def _champion_check(w: UnitOfWork, model: ModelRow, version: VersionRow, env: str, gate):
    """The `beats_current` comparison, run only when the policy asks for it."""
    current = w.s.get(AliasRow, (model.id, env))
    champ = w.s.get(VersionRow, current.version_id) if current is not None else None
    champion = (champ.version, w.artifacts.path(champ.artifact)) if champ is not None else None
    challenger = (version.version, w.artifacts.path(version.artifact))
    keys = w.config.trusted_keys
    return lambda: comparison.gate_verdict(gate, model.name, champion, challenger, keys)


def check(
    backend: Backend, name: str, version: str | None, env: str, acknowledge: tuple[str, ...] = ()
) -> PolicyReport:
    with backend.work() as w:
        model = w.model_row(name)
        target = w.version_row(model, version)
        problem = acknowledgements.refusal(target, acknowledge, "(dry run)")
        if problem:
            raise RegistryError(problem)
        return _report(w, model, target, _env(w.config, env), acknowledging=tuple(acknowledge))


def _result(
    model: ModelRow,
    version: VersionRow,
    env: str,
    status: str,
    report: PolicyReport | None,
    previous: VersionRow | None,
    requested_by: str | None = None,
) -> PromotionResult:
    return PromotionResult(
        model=model.name,
        version=version.version,
        environment=env,
        status=status,
        previous=previous.version if previous else None,
        report=report,
        requested_by=requested_by,
    )


def _refuse_unknown_acknowledgements(
    backend: Backend, name: str, version: str | None, env: str, reason: str, checks: tuple[str, ...]
) -> None:
    """Only warnings of the version's Validation Report can be acknowledged, with a reason;
    anything else refuses the promotion (audited) before anything is recorded."""
    if not checks:
        return
    with backend.work(lock=name) as w:
        target = w.version_row(w.model_row(name), version)
        problem = acknowledgements.refusal(target, checks, reason)
        if problem:
            about = {"model": name, "version": target.version, "environment": env}
            w.audit("promote", "refused", **about, reason=reason, error=problem, acknowledge=checks)
    if problem:
        raise RegistryError(problem)


def promote(
    backend: Backend,
    name: str,
    version: str | None,
    env: str,
    reason: str = "",
    acknowledge: tuple[str, ...] = (),
) -> PromotionResult:
    """Move ENV to the version if the policy allows; record the attempt either way.
    When only a four-eyes approval is missing, a pending request is recorded instead.
    `acknowledge` names Validation Report warnings the caller accepts for ENV (with the
    reason); they are recorded when the caller may move ENV, and count from then on."""
    _env(backend.config, env)
    _refuse_unknown_acknowledgements(backend, name, version, env, reason, tuple(acknowledge))
    with backend.work(lock=name) as w:
        s, who = w.s, w.who
        model = w.model_row(name)
        target = w.version_row(model, version)
        about = {"model": name, "version": target.version, "environment": env, "reason": reason}
        if acknowledge and _can_move(w.config, who, env)[0]:
            acknowledgements.record(w, name, target.version, env, acknowledge, reason)
        report = _report(w, model, target, env)
        current = s.get(AliasRow, (model.id, env))
        if report.allowed:
            if current is not None and current.version_id == target.id:
                w.audit("promote", "ok", **about, report=report, unchanged=True)
                return _result(model, target, env, "unchanged", report, target)
            before = _move(s, model, env, target, "promote", who, reason, governed=True)
            _close_requests(s, target, env)
            w.audit("promote", "ok", **about, report=report, previous=w.version_name(before))
            return _result(model, target, env, "promoted", report, _row(s, before))
        if report.awaiting_approval:
            if _pending(s, target, env) is None:
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
            w.audit("promote", "pending", **about, report=report)
            return _result(model, target, env, "awaiting approval", report, None)
        w.audit("promote", "refused", **about, report=report)
    raise PromotionRefusedError(report)


def approve(
    backend: Backend, name: str, version: str | None, env: str, reason: str = ""
) -> PromotionResult:
    """Record a second person's approval; if a promotion request is waiting, carry it out."""
    _env(backend.config, env)
    refusal: Exception | None = None
    with backend.work(lock=name) as w:
        s, who = w.s, w.who
        model = w.model_row(name)
        target = w.version_row(model, version)
        about = {"model": name, "version": target.version, "environment": env, "reason": reason}
        pending = _pending(s, target, env)
        if not who.at_least("approver"):
            refusal = PermissionDeniedError(
                f"{who.name} has role {who.role}; approving needs approver or admin"
            )
        elif not who.may_touch(env):
            refusal = PermissionDeniedError(
                f"{who.name}'s token is limited to {', '.join(who.environments or ())}, not {env}"
            )
        elif pending is not None and pending.requested_by == who.name:
            refusal = PermissionDeniedError(
                f"{who.name} requested this promotion and cannot approve it too: a second person must approve (four eyes)"
            )
        if refusal is not None:
            w.audit("approve", "refused", **about, error=str(refusal))
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
            requester = pending.requested_by if pending else None
            w.audit("approve", "ok", **about, requested_by=requester)
            if pending is None:
                return _result(model, target, env, "approved", None, None)
            # the promotion is the requester's: it carries their reason into the log
            about["reason"] = pending.reason
            report = _report(w, model, target, env, requester=requester)
            if not report.allowed:
                w.audit("promote", "refused", **about, report=report, requested_by=requester)
                return _result(model, target, env, "approved, promotion refused", report, None)
            before = _move(
                s, model, env, target, "promote", who, pending.reason or reason, governed=True
            )
            _close_requests(s, target, env)
            w.audit(
                "promote",
                "ok",
                **about,
                report=report,
                requested_by=requester,
                approved_by=who.name,
                previous=w.version_name(before),
            )
            return _result(
                model, target, env, "promoted", report, _row(s, before), requested_by=requester
            )
    raise refusal


def _pending(s: Session, version: VersionRow, env: str) -> RequestRow | None:
    """The oldest promotion request of the version to ENV still waiting for approval."""
    return s.scalar(
        select(RequestRow)
        .where(
            RequestRow.version_id == version.id,
            RequestRow.environment == env,
            RequestRow.status == "pending",
        )
        .order_by(RequestRow.id)
        .limit(1)
    )


def _row(s: Session, version_id: int | None) -> VersionRow | None:
    return s.get(VersionRow, version_id) if version_id else None


def _close_requests(s: Session, version: VersionRow, env: str) -> None:
    for req in s.scalars(
        select(RequestRow).where(RequestRow.environment == env, RequestRow.status == "pending")
    ):
        if req.version_id == version.id:
            req.status = "done"


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


def rollback(backend: Backend, name: str, env: str, reason: str = "") -> PromotionResult:
    """Point ENV back at the version it held before its last move, in one audited step.
    The earlier version must pass ENV's gates now, exactly as a promotion would."""
    _env(backend.config, env)
    with backend.work(lock=name) as w:
        s, who = w.s, w.who
        model = w.model_row(name)
        stack = history_stack(s, model, env)
        about = {"model": name, "environment": env, "reason": reason}
        if len(stack) < 2:
            error = RegistryError(f"{name}@{env} has no earlier version to roll back to")
            w.audit("rollback", "refused", **about, error=str(error))
        else:
            current, target = s.get(VersionRow, stack[-1]), s.get(VersionRow, stack[-2])
            report = _report(w, model, target, env)
            report.action = "rollback"
            if not report.allowed:
                error = PromotionRefusedError(report)
                w.audit("rollback", "refused", **about, version=target.version, report=report)
            else:
                _move(s, model, env, target, "rollback", who, reason, governed=True)
                w.audit(
                    "rollback",
                    "ok",
                    **about,
                    version=target.version,
                    report=report,
                    previous=current.version,
                )
                return _result(model, target, env, "rolled back", report, current)
    raise error


def set_alias(
    backend: Backend, name: str, version: str | None, alias: str, reason: str = ""
) -> PromotionResult:
    """Point a free alias (champion, challenger…) at a version; environments go through promote."""
    if alias in backend.config.environments:
        raise RegistryError(
            f"{alias!r} is an environment: use `promote {name}:{version} --to {alias}`"
        )
    if not alias or not alias.replace("-", "").replace("_", "").isalnum():
        raise RegistryError(f"alias {alias!r}: use letters, digits, '-' or '_'")
    with backend.work("editor", lock=name) as w:
        s, who = w.s, w.who
        model = w.model_row(name)
        target = w.version_row(model, version)
        before = _move(s, model, alias, target, "set", who, reason, governed=False)
        w.audit(
            "alias",
            "ok",
            model=name,
            version=target.version,
            environment=alias,
            reason=reason,
            previous=w.version_name(before),
        )
        return _result(model, target, alias, "moved", None, _row(s, before))
