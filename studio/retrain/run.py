"""One retraining: rerun the training workflow (reusing what is cached in this process),
build a bundle whose manifest records its champion, its trigger and the window of
production data it learned from, and register it as the challenger next to the champion.

The Validation Report and parity gates apply as for any deploy: parity is proved by the
build, and the promotion to dev (and to any further non-prod stage asked for) goes
through the registry's policy. Promotion to the last environment (prod) is never done
here: that is a governed, separate step (`registry promote`, gated by `beats_current`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from studio.core import Workflow
from studio.core.errors import KnotworkError
from studio.core.parameters import resolve
from studio.deploy import build_bundle
from studio.deploy.versions import default_name, next_version
from studio.monitor.windows import instant
from studio.registry import NotFoundError, PromotionRefusedError, RegisteredVersion, Registry
from studio.registry.database import STATE_DIR

READER = "monitoring.reader"
CHALLENGER = "challenger"


@dataclass
class RetrainResult:
    model: str
    version: str
    path: Path
    retraining: dict[str, Any]
    registered: RegisteredVersion | None = None
    promotions: list[str] = field(default_factory=list)  # environments reached
    refusals: list[str] = field(default_factory=list)  # why a promotion was refused


def parse_target(text: str) -> tuple[str, str]:
    """`MODEL@ENV` → (model, env)."""
    model, sep, env = text.partition("@")
    if not model or not sep or not env:
        raise KnotworkError(f"{text!r}: expected MODEL@ENV (e.g. churn@prod)")
    return model, env


def _iso(epoch: float | None) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).isoformat(timespec="milliseconds")


def data_window(wf: Workflow, parameters: dict[str, Any], now: float) -> list[dict[str, Any]]:
    """What each Monitoring Reader of the workflow reads: model, version, time range."""
    values = wf.parameter_values(parameters)
    out = []
    for inst in wf.nodes:
        if inst.type_id != READER:
            continue
        s = resolve(inst.settings, values, set())
        out.append(
            {
                "node": inst.label,
                "model": s.get("model", ""),
                "version": s.get("version") or None,
                "since": _iso(instant(str(s.get("since") or ""), now)),
                "until": _iso(instant(str(s.get("until") or ""), now)) or _iso(now),
                "labelled_only": s.get("labelled_only", True),
            }
        )
    return out


def retrain(
    workflow: Workflow | str | Path,
    registry: Registry,
    *,
    challenger_of: str | None = None,
    parameters: dict[str, Any] | None = None,
    register: bool = True,
    promote_to: list[str] | tuple[str, ...] = (),
    trigger: str = "manual",
    output: str | Path | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> RetrainResult:
    """Retrain, build, and (with `register`) register the challenger of `challenger_of`
    (MODEL@ENV); `promote_to` lists further non-prod stages to try after dev."""
    last = registry.config.environments[-1]
    if last in promote_to:
        raise KnotworkError(
            f"retrain never promotes to {last}: promote the challenger with "
            f"`knotwork registry promote MODEL:VERSION --to {last}` (gated by the policy)"
        )
    wf = workflow if isinstance(workflow, Workflow) else Workflow.load(workflow)
    parameters = dict(parameters or {})
    now = time.time()
    champion = model = None
    if challenger_of:
        model, env = parse_target(challenger_of)
        try:
            found = registry.alias_target(model, env)
        except NotFoundError:  # a model retrained before its first registration
            found = None
        champion = f"{model}:{found.version}" if found is not None else None
    name = model or default_name(wf.path, wf.name, output or "bundle")
    try:
        taken = [v.version for v in registry.model(name).versions]
    except NotFoundError:
        taken = []
    folder = Path(output) if output else Path(registry.workspace) / STATE_DIR / "retrain"
    target = Path(output) if output else folder / name
    version = next_version(target, name, taken)
    if not output:
        target = folder / f"{name}-{version}"
    lineage = {
        "champion": champion,
        "challenger_of": challenger_of,
        "trigger": trigger,
        "data_window": data_window(wf, parameters, now),
        "parameters": parameters,
        "at": _iso(now),
    }
    built = build_bundle(
        wf,
        target,
        name=name,
        version=version,
        parameters=parameters,
        on_progress=on_progress,
        retraining=lineage,
    )
    result = RetrainResult(name, version, built.path, lineage)
    if not register:
        return result
    say = on_progress or (lambda msg: None)
    say(f"registering {name}:{version}")
    result.registered = registry.register(built.path, reason=f"retrained ({trigger})")
    ref = f"{name}:{version}"
    registry.set_alias(ref, CHALLENGER, f"challenger of {champion or 'nothing yet'} ({trigger})")
    for env in ["dev", *[e for e in promote_to if e != "dev"]]:
        if env not in registry.config.environments:
            continue
        try:
            moved = registry.promote(ref, env, f"retrained ({trigger})")
        except PromotionRefusedError as exc:
            result.refusals.append(f"{env}: {exc}")
            break
        if moved.status in ("promoted", "unchanged"):
            result.promotions.append(env)
        else:
            result.refusals.append(f"{env}: {moved.status}")
            break
    return result
