"""Promotion policy: which checks a version must pass to enter each environment.

Read from the workspace file `knotwork-registry.json` (or KNOTWORK_REGISTRY_POLICY):

    {"environments": ["dev", "test", "prod"],
     "trusted_keys": ["keys/team.pub"],
     "policies": {"prod": {"validation_no_failure": true, "warnings_acknowledged": true,
                           "max_overfitting_gap": 0.05,
                           "metric_floor": {"accuracy": 0.8}, "parity_passed": true,
                           "signature_valid": true, "previous_environment": true,
                           "four_eyes": true, "protected": true,
                           "audit": {"fail_on_severity": "high", "deny_licences": ["AGPL-3.0-only"]}}}}

Every check is reported, numbered, with its verdict, so a refusal says everything at once.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from studio.security.audit_policy import AuditPolicy

from .errors import RegistryError
from .metrics import (
    check_name,
    held_out_value,
    manifest_metrics,
    metric_names,
    train_value,
    validation_report,
)
from .results import CheckResult, PolicyReport

POLICY_FILE = "knotwork-registry.json"


class ChampionGate(BaseModel):
    """The version must beat the one the target environment serves now on recent
    labelled production rows (see `comparison`)."""

    model_config = ConfigDict(extra="forbid")

    margin: float = Field(0.0, description="at least this much better on the metric")
    metric: str | None = Field(
        None, description="metric judged (default: accuracy, or rmse for regression)"
    )
    since: str = Field("7d", description="labelled rows logged within this duration")
    min_rows: int = Field(30, ge=1, description="fewer labelled rows: the gate cannot pass")
    store: str | None = Field(
        None, description="monitoring store URL (default: KNOTWORK_MONITOR_URL or the workspace's)"
    )


class EnvironmentPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    validation_no_failure: bool = Field(
        False, description="the Validation Report has no failed check"
    )
    warnings_acknowledged: bool = Field(
        False,
        description="every warning of the Validation Report acknowledged (promote --acknowledge)",
    )
    max_overfitting_gap: float | None = Field(
        None, ge=0, description="train minus held-out metric at most this"
    )
    gap_metric: str | None = Field(
        None,
        description="metric for the gap; default: the report's gap check or the first shared metric",
    )
    metric_floor: dict[str, float] = Field(
        default_factory=dict, description="held-out metric at least this"
    )
    metric_ceiling: dict[str, float] = Field(
        default_factory=dict, description="held-out metric at most this (errors)"
    )
    parity_passed: bool = Field(False, description="the bundle reproduced the training predictions")
    signature_valid: bool = Field(False, description="signed by a trusted key")
    previous_environment: bool = Field(
        False, description="the version was in the environment before this one"
    )
    four_eyes: bool = Field(False, description="a second person approved the promotion")
    protected: bool = Field(False, description="only approver or admin roles may move it")
    audit: AuditPolicy | None = Field(
        None, description="the audit the manifest records passes this audit policy"
    )
    beats_current: ChampionGate | None = Field(
        None, description="beats the environment's current version on recent labelled rows"
    )


DEFAULT_POLICIES = {
    "dev": EnvironmentPolicy(),
    "test": EnvironmentPolicy(
        validation_no_failure=True, parity_passed=True, previous_environment=True
    ),
    "prod": EnvironmentPolicy(
        validation_no_failure=True,
        warnings_acknowledged=True,
        parity_passed=True,
        signature_valid=True,
        previous_environment=True,
        protected=True,
        audit=AuditPolicy(),
    ),
}


class RegistryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    environments: list[str] = Field(default_factory=lambda: ["dev", "test", "prod"], min_length=1)
    trusted_keys: list[str] = Field(default_factory=list)
    policies: dict[str, EnvironmentPolicy] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_environments(self) -> RegistryConfig:
        unknown = sorted(set(self.policies) - set(self.environments))
        if unknown:
            raise ValueError(f"policies name environments not in the list: {', '.join(unknown)}")
        if len(set(self.environments)) != len(self.environments):
            raise ValueError("environments must be unique")
        return self

    def policy(self, env: str) -> EnvironmentPolicy:
        return self.policies.get(env) or DEFAULT_POLICIES.get(env) or EnvironmentPolicy()

    def previous(self, env: str) -> str | None:
        i = self.environments.index(env)
        return self.environments[i - 1] if i > 0 else None


def load_config(
    path: str | Path | None = None, workspace: Path | None = None
) -> tuple[RegistryConfig, Path | None]:
    """The registry config and the file it came from (None: built-in defaults)."""
    explicit = path or os.environ.get("KNOTWORK_REGISTRY_POLICY")
    candidate = Path(explicit) if explicit else (workspace or Path.cwd()) / POLICY_FILE
    if not candidate.exists():
        if explicit:
            raise RegistryError(f"{candidate}: registry policy file not found")
        return RegistryConfig(), None
    try:
        cfg = RegistryConfig.model_validate(json.loads(candidate.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise RegistryError(f"{candidate}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "$"
        raise RegistryError(f"{candidate}: {where}: {err['msg']}") from None
    base = candidate.parent
    cfg.trusted_keys = [
        str((base / k).resolve()) if not Path(k).is_absolute() else k for k in cfg.trusted_keys
    ]
    return cfg, candidate


# ------------------------------------------------------------------ evaluation
@dataclass
class PromotionFacts:
    """What the policy judges; gathered by the registry inside the promotion transaction."""

    manifest: dict[str, Any]
    actor: str
    role_allowed: bool
    role_detail: str
    previous_env: str | None
    was_in_previous: bool
    approvers: list[str]
    signature: Callable[[], tuple[bool, str]]
    requester: str = ""  # who asked for the move; approvals must come from someone else
    # Validation Report warnings acknowledged for this environment: check name -> who and why
    acknowledged: dict[str, str] = field(default_factory=dict)
    # (verdict, detail) of the version against the environment's current one (beats_current)
    champion: Callable[[], tuple[bool, str]] | None = None

    def __post_init__(self) -> None:
        self.requester = self.requester or self.actor


def _validation_check(validation: dict[str, Any] | None) -> tuple[bool, str]:
    if not validation:
        return (
            False,
            "the bundle carries no Validation Report (add a Validation Report node to the workflow)",
        )
    failed = [check_name(c) for c in validation.get("checks", []) if c.get("status") == "fail"]
    if failed or validation.get("status") == "fail":
        return False, f"status {validation.get('status')}; failed: {', '.join(failed) or 'overall'}"
    return (
        True,
        f"status {validation.get('status', '?')}, {len(validation.get('checks', []))} checks, none failed",
    )


def validation_warnings(validation: dict[str, Any] | None) -> dict[str, str]:
    """The Validation Report's warnings: check name -> message."""
    return {
        check_name(c): str(c.get("message", ""))
        for c in (validation or {}).get("checks", [])
        if c.get("status") == "warn"
    }


def _warnings_check(
    validation: dict[str, Any] | None, acknowledged: dict[str, str], ref: str, env: str
) -> tuple[bool, str]:
    if not validation:
        return False, "the bundle carries no Validation Report whose warnings could be judged"
    warns = validation_warnings(validation)
    if not warns:
        return True, "the Validation Report has no warnings"
    missing = [w for w in warns if w not in acknowledged]
    if missing:
        first = missing[0]
        return (
            False,
            f"{len(missing)} of {len(warns)} warnings not acknowledged: "
            + ", ".join(repr(w) for w in missing)
            + f" (read them, then: knotwork registry promote {ref} --to {env} "
            f"--acknowledge {first!r} --reason WHY)",
        )
    return True, "; ".join(f"{w!r} acknowledged by {acknowledged[w]}" for w in warns)


def _gap(manifest: dict[str, Any], rule: EnvironmentPolicy) -> tuple[float, str] | None:
    validation = validation_report(manifest) or {}
    if rule.gap_metric is None:
        gaps = [
            (float(c["value"]), f"Validation Report check {check_name(c)!r}")
            for c in validation.get("checks", [])
            if any(w in check_name(c).lower() for w in ("gap", "overfit"))
            and isinstance(c.get("value"), (int, float))
        ]
        if gaps:
            return max(gaps)  # the worst held-out set decides
    metrics = manifest_metrics(manifest)
    for name in [rule.gap_metric] if rule.gap_metric else metric_names(metrics):
        tr, ho = train_value(metrics, name), held_out_value(metrics, name)
        if tr and ho:
            return tr[0] - ho[0], f"{tr[1]} {tr[0]:.4g} − {ho[1]} {ho[0]:.4g}"
    return None


def _metric_thresholds(manifest: dict[str, Any], rule: EnvironmentPolicy) -> tuple[bool, str]:
    metrics = manifest_metrics(manifest)
    ok, parts = True, []
    for name, bound, cmp, word in [
        (n, b, lambda v, b: v >= b, "≥") for n, b in rule.metric_floor.items()
    ] + [(n, b, lambda v, b: v <= b, "≤") for n, b in rule.metric_ceiling.items()]:
        found = held_out_value(metrics, name)
        if found is None:
            ok = False
            parts.append(f"{name}: not in the bundle's metrics")
        else:
            passed = cmp(found[0], bound)
            ok &= passed
            parts.append(f"{found[1]} {found[0]:.4g} {word} {bound:g}: {'ok' if passed else 'no'}")
    return ok, "; ".join(parts)


def _beats_current(facts: PromotionFacts) -> tuple[bool, str]:
    if facts.champion is None:
        return False, "no comparison with the current version was made"
    return facts.champion()


def evaluate(
    config: RegistryConfig, env: str, model: str, version: str, facts: PromotionFacts
) -> PolicyReport:
    rule = config.policy(env)
    report = PolicyReport(model=model, version=version, environment=env, actor=facts.actor)

    def add(name: str, required: bool, judge: Callable[[], tuple[Any, str]]) -> None:
        number = len(report.checks) + 1
        if not required:
            report.checks.append(
                CheckResult(
                    number=number, name=name, required=False, verdict="not required", detail=""
                )
            )
            return
        ok, detail = judge()
        verdict = ok if isinstance(ok, str) else ("pass" if ok else "fail")
        report.checks.append(
            CheckResult(number=number, name=name, required=True, verdict=verdict, detail=detail)
        )

    m = facts.manifest
    add("permission", True, lambda: (facts.role_allowed, facts.role_detail))
    add(
        "validation report has no failure",
        rule.validation_no_failure,
        lambda: _validation_check(validation_report(m)),
    )
    add(
        "validation warnings acknowledged",
        rule.warnings_acknowledged,
        lambda: _warnings_check(
            validation_report(m), facts.acknowledged, f"{model}:{version}", env
        ),
    )

    def gap() -> tuple[bool, str]:
        found = _gap(m, rule)
        if found is None:
            return (
                False,
                "no train and held-out metric pair (or gap check) in the bundle to measure overfitting",
            )
        return (
            found[0] <= rule.max_overfitting_gap,
            f"gap {found[0]:.4g} ({found[1]}) ≤ {rule.max_overfitting_gap:g}",
        )

    add("overfitting gap", rule.max_overfitting_gap is not None, gap)
    add(
        "metric thresholds",
        bool(rule.metric_floor or rule.metric_ceiling),
        lambda: _metric_thresholds(m, rule),
    )

    def parity() -> tuple[bool, str]:
        p = m.get("parity")
        if not isinstance(p, dict):
            return False, "the manifest records no parity check"
        return p.get("passed") is True, "bundle predictions equal training predictions" if p.get(
            "passed"
        ) else f"parity failed: {p}"

    add("parity passed", rule.parity_passed, parity)
    add("signature valid", rule.signature_valid, facts.signature)

    def previous() -> tuple[bool, str]:
        if facts.previous_env is None:
            return True, f"{env} is the first environment"
        if facts.was_in_previous:
            return True, f"was in {facts.previous_env}"
        return False, f"never in {facts.previous_env}: promote it there first"

    add("passed through previous environment", rule.previous_environment, previous)

    def four_eyes() -> tuple[Any, str]:
        others = [a for a in facts.approvers if a != facts.requester]
        if others:
            return (
                True,
                f"requested by {facts.requester}, approved by {', '.join(sorted(set(others)))}",
            )
        if facts.approvers:
            return "pending", f"only {facts.requester} approved; a second person must approve"
        return (
            "pending",
            f"awaiting approval by a second person (knotwork registry approve {model}:{version} --env {env})",
        )

    if rule.beats_current is not None:  # listed only where configured
        add("beats current version", True, lambda: _beats_current(facts))
    add("four-eyes approval", rule.four_eyes, four_eyes)

    def audit() -> tuple[bool, str]:
        from studio.security.findings import gate

        return gate(m.get("audit"), rule.audit)

    add("dependency audit", rule.audit is not None, audit)
    return report
