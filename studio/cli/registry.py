"""`knotwork registry ...`: list, inspect, register, promote, approve, roll back, diff and
audit model versions. Every sub-command takes --json, --registry URL and --token.

Exit codes: 0 done; 1 refused (policy, permission, awaiting approval, corrupt artifact);
2 bad usage, an unknown model/version, or an unreadable bundle or registry.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from pydantic_core import to_jsonable_python

from studio.core.errors import KnotworkError

if TYPE_CHECKING:
    from studio.registry import PromotionResult, VersionDetail


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--registry",
        metavar="URL",
        help="database URL or SQLite file (default: $KNOTWORK_REGISTRY_URL, "
        "else .knotwork/registry.db in the workspace: $KNOTWORK_WORKSPACE, or the current folder)",
    )
    p.add_argument(
        "--token", help="API token of a shared registry (default: $KNOTWORK_REGISTRY_TOKEN)"
    )
    p.add_argument(
        "--policy",
        metavar="FILE",
        help="registry policy file (default: knotwork-registry.json in the workspace)",
    )
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    return p


def register(subparsers: argparse._SubParsersAction) -> None:
    common = _common()
    reg = subparsers.add_parser(
        "registry",
        help="model registry: versions, environments, promotion, audit log",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = reg.add_subparsers(dest="registry_command", metavar="SUBCOMMAND", parser_class=type(reg))
    reg.set_defaults(func=lambda args: (reg.print_help(), 2)[1])

    def add(name: str, func, help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(func=lambda args: _run(func, args))
        return p

    add("list", cmd_list, "models with their versions and environments")
    p = add(
        "show", cmd_show, "a model, or one version with its lineage, metrics and Validation Report"
    )
    p.add_argument("ref", metavar="MODEL[:VERSION]", help="a model, or one of its versions")
    p = add("register", cmd_register, "copy a bundle into the registry as a new version")
    p.add_argument("bundle", help="bundle directory or .zip")
    p.add_argument("--name", help="model name (default: the manifest's)")
    p.add_argument("--tag", action="append", default=[], help="free-form tag (repeatable)")
    p.add_argument("--env", help="also promote the new version to this environment (e.g. dev)")
    p.add_argument("--reason", default="", help="why, for the audit log")
    p = add("promote", cmd_promote, "move an environment to a version, if its policy allows")
    p.add_argument("ref", metavar="MODEL:VERSION", help="the version to promote")
    p.add_argument(
        "--to", required=True, metavar="ENV", dest="env", help="environment: dev, test or prod"
    )
    p.add_argument("--reason", default="", help="why (kept in the audit log)")
    p.add_argument(
        "--acknowledge",
        action="append",
        default=[],
        metavar="CHECK",
        help="accept this Validation Report warning for ENV, with --reason (repeatable; audited)",
    )
    p.add_argument("--dry-run", action="store_true", help="only print the policy report")
    p = add(
        "approve",
        cmd_approve,
        "approve a version for an environment (four eyes); completes a waiting promotion",
    )
    p.add_argument("ref", metavar="MODEL:VERSION", help="the version to approve")
    # --to as in `promote`, so the two commands of one four-eyes step read alike.
    p.add_argument(
        "--env", "--to", required=True, dest="env", metavar="ENV", help="the environment"
    )
    p.add_argument("--reason", default="", help="why (kept in the audit log)")
    p = add("rollback", cmd_rollback, "point an environment back at the version it held before")
    p.add_argument("model", help="the model to roll back")
    p.add_argument("--env", required=True, help="the environment whose previous version returns")
    p.add_argument("--reason", default="", help="why (kept in the audit log)")
    p = add("diff", cmd_diff, "what changed between two versions: graph settings, schema, metrics")
    p.add_argument("a", metavar="MODEL:A", help="the first version")
    p.add_argument("b", metavar="MODEL:B", help="the second version")
    p = add(
        "compare",
        cmd_compare,
        "score two versions on the same labelled rows: each metric, difference, verdict",
    )
    p.add_argument("a", metavar="MODEL:A", help="the reference (champion), e.g. churn:prod")
    p.add_argument("b", metavar="MODEL:B", help="the challenger")
    rows = p.add_mutually_exclusive_group(required=True)
    rows.add_argument("--data", metavar="FILE", help="labelled rows (CSV or Parquet)")
    rows.add_argument(
        "--store",
        metavar="URL",
        nargs="?",
        const="",
        help="rows logged with feedback in the monitoring store (no URL: $KNOTWORK_MONITOR_URL "
        "or the workspace's)",
    )
    p.add_argument("--truth", default="truth", help="truth column of --data (default: truth)")
    p.add_argument("--since", default="7d", help="with --store: rows logged within (default 7d)")
    p.add_argument("--metric", help="metric the verdict judges (default: accuracy or rmse)")
    p.add_argument("--margin", type=float, default=0.0, help="B must be this much better")
    p.add_argument("--min-rows", type=int, default=30, help="fewer rows: not enough data")
    p = add("log", cmd_log, "the audit log (every registration, promotion, approval, rollback)")
    p.add_argument("model", nargs="?", help="only this model's entries")
    p.add_argument("--limit", type=int, help="only the last N entries")
    p.add_argument(
        "--verify", action="store_true", help="check the log's hash chain; exit 1 if tampered"
    )
    p = add("alias", cmd_alias, "point a free alias (champion, challenger…) at a version")
    p.add_argument("ref", metavar="MODEL:VERSION", help="the version the alias points to")
    p.add_argument("alias", help="the alias to set (e.g. champion)")
    p.add_argument("--reason", default="", help="why (kept in the audit log)")
    p = add(
        "resolve",
        cmd_resolve,
        "print the verified bundle path of registry://MODEL@ENV or MODEL:VERSION",
    )
    p.add_argument("uri", help="registry://MODEL@ENV or MODEL:VERSION")
    p = add(
        "token",
        cmd_token,
        "API tokens of a shared registry: create NAME --role R | list | revoke NAME",
    )
    p.add_argument("action", choices=("create", "list", "revoke"), help="what to do with tokens")
    p.add_argument("name", nargs="?", help="the token's name (create, revoke)")
    p.add_argument(
        "--role", choices=("viewer", "editor", "approver", "admin"), help="the token's role"
    )
    p.add_argument(
        "--env",
        action="append",
        metavar="ENV",
        dest="token_envs",
        help="limit the new token to this environment (repeatable; default: all)",
    )


def _open(args: argparse.Namespace):
    from studio.registry import Registry

    return Registry(args.registry, token=args.token, config_path=args.policy)


def _out(args: argparse.Namespace, data: Any, text: str) -> None:
    """Print `text`, or with --json the data (registry results as their `model_dump(mode="json")`)."""
    if args.json:
        print(json.dumps(to_jsonable_python(data), indent=2, sort_keys=True, default=str))
    else:
        print(text)


def _run(func, args: argparse.Namespace) -> int:
    from studio.registry import (
        ArtifactError,
        NotFoundError,
        PermissionDeniedError,
        PromotionRefusedError,
    )

    try:
        with _open(args) as reg:
            return func(reg, args)
    except PromotionRefusedError as exc:
        error = f"{exc.report.action} refused"
        _out(args, {"error": error, **exc.report.model_dump(mode="json")}, str(exc))
        return 1
    except (PermissionDeniedError, ArtifactError) as exc:
        _fail(args, exc)
        return 1
    except (NotFoundError, KnotworkError) as exc:
        _fail(args, exc)
        return 2


def _fail(args: argparse.Namespace, exc: Exception) -> None:
    if args.json:
        print(json.dumps({"error": str(exc), "kind": type(exc).__name__}, indent=2))
    else:
        print(f"knotwork registry: {exc}", file=sys.stderr)


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    return "\n".join(
        "  ".join(str(x).ljust(w) for x, w in zip(r, widths, strict=False)).rstrip()
        for r in [header, *rows]
    )


def cmd_list(reg, args) -> int:
    models = reg.models()
    envs = reg.config.environments
    rows = [
        [
            m.name,
            str(m.versions),
            m.latest or "-",
            *[m.aliases.get(e, "-") for e in envs],
            ", ".join(f"{a}={v}" for a, v in m.aliases.items() if a not in envs) or "-",
        ]
        for m in models
    ]
    text = (
        _table(rows, ["MODEL", "VERSIONS", "LATEST", *[e.upper() for e in envs], "ALIASES"])
        if rows
        else f"no models in {reg!r} yet: knotwork registry register BUNDLE"
    )
    from studio.registry.database import safe_url

    # the URL (password masked) a script can pass back as --registry, not a Python repr
    _out(args, {"registry": safe_url(reg.url), "environments": envs, "models": models}, text)
    return 0


def _version_text(v: VersionDetail) -> str:
    from studio.registry.metrics import check_name, flatten

    lin = v.lineage
    lines = [
        f"{v.model}:{v.version}  (#{v.seq}, aliases: {', '.join(v.aliases) or 'none'})",
        f"  bundle     {v.artifact}  sha256 {v.sha256[:16]}…  signed by {v.signature_key_id or 'nobody'}",
        f"  built      {v.built_at} by {v.author or '?'}; registered {v.registered_at} by {v.registered_by}",
        f"  source     {lin.source_path or '?'}  sha256 {(lin.source_sha256 or '?')[:16]}  git {lin.git_commit or '-'}",
        f"  parity     {'passed' if v.parity_passed else 'NOT passed' if v.parity_passed is False else 'unknown'}",
        f"  validation {v.validation_status or 'no report'}",
    ]
    acknowledged: dict[str, list[str]] = {}
    for a in v.acknowledgements:
        acknowledged.setdefault(a.check, []).append(
            f"acknowledged for {a.environment} by {a.actor} at {a.at[:19]}: {a.reason}"
        )
    for c in (v.validation or {}).get("checks", []):
        lines.append(f"    {c.get('status', '?'):<5} {check_name(c)}: {c.get('message', '')}")
        lines += [f"          ↳ {line}" for line in acknowledged.get(check_name(c), [])]

    for key, value in flatten(v.metrics).items():
        lines.append(f"  metric     {key} = {value:.4g}")
    if v.tags:
        lines.append(f"  tags       {', '.join(map(str, v.tags))}")
    return "\n".join(lines)


def cmd_show(reg, args) -> int:
    from studio.registry.store import split_ref

    name, version = split_ref(args.ref)
    if version is None:
        m = reg.model(name)
        envs = ", ".join(f"{e}={v or '-'}" for e, v in m.environments.items())
        rows = [
            [
                v.version,
                v.registered_at[:19],
                v.registered_by,
                v.validation_status or "-",
                ", ".join(v.aliases) or "-",
            ]
            for v in m.versions
        ]
        text = f"{m.name}  (owner {m.owner}; {envs})\n" + _table(
            rows, ["VERSION", "REGISTERED", "BY", "VALIDATION", "ALIASES"]
        )
        _out(args, m, text)
        return 0
    v = reg.version(name, version)
    _out(args, v, _version_text(v))
    return 0


def cmd_register(reg, args) -> int:
    info = reg.register(args.bundle, name=args.name, tags=args.tag, reason=args.reason)
    text = (
        f"{info.model}:{info.version} "
        + ("was already registered" if info.already_registered else "registered")
        + f" (sha256 {info.sha256[:16]}…)"
    )
    if args.env:
        result = reg.promote(f"{info.model}:{info.version}", args.env, args.reason)
        info.promotion = result
        text += "\n" + _promotion_text(result)
        if result.status == "awaiting approval":
            _out(args, info, text)
            return 1
    _out(args, info, text)
    return 0


def _promotion_text(r: PromotionResult) -> str:
    where = f"{r.model}@{r.environment}"
    if r.status == "promoted":
        return f"{where} → {r.version} (was {r.previous or 'unset'})"
    if r.status == "unchanged":
        return f"{where} already points at {r.version}"
    if r.status == "awaiting approval":
        return (
            f"{where}: not moved yet — awaiting approval by a second person:\n"
            f"  knotwork registry approve {r.model}:{r.version} --env {r.environment}"
        )
    return f"{where}: {r.status}"


def cmd_promote(reg, args) -> int:
    if args.dry_run:
        report = reg.check(args.ref, args.env, args.acknowledge)
        _out(args, report, report.text())
        return 0 if report.allowed else 1
    result = reg.promote(args.ref, args.env, args.reason, args.acknowledge)
    text = _promotion_text(result)
    if result.report and result.status == "awaiting approval":
        text = result.report.text() + "\n" + text
    _out(args, result, text)
    return 1 if result.status == "awaiting approval" else 0


def cmd_approve(reg, args) -> int:
    result = reg.approve(args.ref, args.env, args.reason)
    if result.status == "approved":
        text = f"approved {result.model}:{result.version} for {result.environment}"
    elif result.status == "promoted":
        text = f"approved; {_promotion_text(result)} (requested by {result.requested_by})"
    else:
        text = f"approved, but the promotion is still refused:\n{result.report and result.report.text()}"
    _out(args, result, text)
    return 1 if result.status.startswith("approved, promotion refused") else 0


def cmd_rollback(reg, args) -> int:
    r = reg.rollback(args.model, args.env, args.reason)
    _out(args, r, f"{r.model}@{r.environment} rolled back: {r.previous} → {r.version}")
    return 0


def cmd_diff(reg, args) -> int:
    d = reg.diff(args.a, args.b)
    from studio.registry.diff import diff_text

    _out(args, d, diff_text(d))
    return 0


def cmd_compare(reg, args) -> int:
    """Exit 0 when B beats A by the margin, 1 when not (or too few rows)."""
    from studio.registry import comparison

    model = args.a.partition(":")[0]
    if args.data is not None:
        rows, truth = comparison.rows_from_file(args.data, args.truth)
        source = args.data
    else:
        rows, truth = comparison.rows_from_store(args.store or None, model, args.since)
        source = f"logged in the last {args.since}"
    result = reg.compare(
        args.a,
        args.b,
        rows,
        truth,
        metric=args.metric,
        margin=args.margin,
        min_rows=args.min_rows,
        source=source,
    )
    _out(args, result.to_json(), result.text())
    return 0 if result.passed else 1


def cmd_log(reg, args) -> int:
    if args.verify:
        result = reg.verify_audit()
        text = (
            f"audit log intact: {result.checked} chained entries"
            if result.ok
            else f"audit log TAMPERED: {result.problem}"
        )
        _out(args, result, text)
        return 0 if result.ok else 1
    entries = reg.log(args.model, args.limit)
    rows = [
        [
            str(e.id),
            e.at[:19],
            e.actor,
            e.action,
            e.outcome,
            f"{e.model}:{e.version}" if e.version else e.model or "-",
            e.environment or "-",
            e.reason or "",
        ]
        for e in entries
    ]
    _out(
        args,
        entries,
        _table(rows, ["#", "AT (UTC)", "WHO", "ACTION", "OUTCOME", "WHAT", "ENV", "WHY"])
        if rows
        else "the audit log is empty",
    )
    return 0


def cmd_alias(reg, args) -> int:
    r = reg.set_alias(args.ref, args.alias, args.reason)
    _out(
        args,
        r,
        f"{r.model}@{r.environment} → {r.version} (was {r.previous or 'unset'})",
    )
    return 0


def cmd_resolve(reg, args) -> int:
    from studio.registry import parse_uri

    uri = args.uri if args.uri.startswith("registry://") else f"registry://{args.uri}"
    path = reg.resolve(*parse_uri(uri))
    _out(args, {"uri": uri, "path": str(path)}, str(path))
    return 0


def cmd_token(reg, args) -> int:
    if args.action == "list":
        tokens = reg.tokens()
        rows = [
            [
                t.name,
                t.role,
                ",".join(t.environments or ["all"]),
                t.created_by,
                t.created_at[:19],
                t.revoked_at or "-",
            ]
            for t in tokens
        ]
        _out(
            args,
            tokens,
            _table(rows, ["NAME", "ROLE", "ENVIRONMENTS", "CREATED BY", "CREATED", "REVOKED"])
            if rows
            else "no tokens: the registry is local",
        )
        return 0
    if not args.name:
        raise KnotworkError(f"token {args.action} needs a NAME")
    if args.action == "create":
        if not args.role:
            raise KnotworkError("token create needs --role viewer|editor|approver|admin")
        envs = args.token_envs or None
        token = reg.create_token(args.name, args.role, envs)
        limit = f" in {', '.join(envs)} only" if envs else ""
        _out(
            args,
            {"name": args.name, "role": args.role, "environments": envs, "token": token},
            f"{token}\n(shown once; give it to {args.name}; it acts with role {args.role}{limit})",
        )
        return 0
    n = reg.revoke_tokens(args.name)
    _out(args, {"name": args.name, "revoked": n}, f"revoked {n} token(s) of {args.name}")
    return 0
