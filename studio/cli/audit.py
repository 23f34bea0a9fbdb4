"""`knotwork audit [TARGET]`: vulnerabilities, licences, outdated packages and secrets of the
running environment (default), a bundle, a workflow file or a workspace folder.
Exit 0 clean, 1 findings above the policy's thresholds, 2 bad usage."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from studio.core.fileformat import dumps


def _workflow_pins(path: Path) -> tuple[dict[str, str], list[str]]:
    """The pins a bundle of this workflow would carry: what its node types import."""
    from studio.core import Workflow
    from studio.core.errors import KnotworkError
    from studio.deploy import environment

    try:
        wf = Workflow.load(path)
    except KnotworkError as exc:
        return {}, [f"requirements not audited: the workflow does not load ({exc})"]
    modules = set().union(*(environment.modules_of(wf.node_type(n)) for n in wf.graph.nodes))
    return environment.pinned_requirements(modules), []


def run_audit(
    target: str | None,
    policy_path: str | None = None,
    advisories: str | None = None,
    offline: bool = False,
):
    """(report, policy) for a target; raises AuditError for a target that is none of the four."""
    from studio.security import audit, secret_scan
    from studio.security.audit_policy import AuditError, load_policy

    policy, _ = load_policy(policy_path)
    checks = audit.Checks(offline=offline or audit.offline_requested())
    if target is None:
        return audit.audit_environment(policy, advisories, checks), policy
    path = Path(target).expanduser()
    if not path.exists():
        raise AuditError(f"{path}: no such bundle, workflow or folder to audit")
    from studio.deploy.archive import MANIFEST, read_files  # heavy: only for files
    from studio.deploy.versions import is_bundle

    if is_bundle(path):
        files = read_files(path)
        manifest = json.loads(files[MANIFEST])
        pins = manifest.get("requirements") or {}
        report = audit.audit_bundle(str(path), files, pins, policy, advisories, checks)
        from studio.security.findings import recorded_summary

        recorded = manifest.get(audit.SECTION) or {}
        report.notes.append(
            f"audit recorded at deploy ({recorded.get('at', 'never')}): "
            f"{recorded_summary(recorded or None, policy)}"
        )
        return report, policy
    if path.is_dir():
        return audit.audit_workspace(path, policy, advisories, checks), policy
    if path.name.endswith(".json"):
        pins, notes = _workflow_pins(path)
        report = audit.AuditReport(str(path), "workflow", pins, notes=notes)
        audit.audit_requirements(report, policy, advisories, checks)
        return audit.scan_secrets(report, secret_scan.scan_files([(path, str(path))])), policy
    raise AuditError(
        f"{path}: not a bundle (folder or .zip with manifest.json), a workflow (.knotwork.json) "
        "or a workspace folder"
    )


def cmd_audit(args: argparse.Namespace) -> int:
    from studio.security.findings import exit_code, judge, summary_lines

    report, policy = run_audit(args.target, args.policy, args.advisories, args.offline)
    found = judge(report, policy, strict=args.strict)
    code = exit_code(found)
    if args.json:
        sys.stdout.write(
            dumps(
                {
                    "report": report.to_json(),
                    "findings": [f.to_json() for f in found],
                    "exit_code": code,
                }
            )
        )
        return code
    for line in summary_lines(report):
        print(line)
    fails = [f for f in found if f.level == "fail"]
    warns = [f for f in found if f.level == "warn"]
    for f in fails + warns:
        print(f"  {f}")
    verdict = "failed" if code else "passed"
    print(f"audit {verdict}: {len(fails)} failure(s), {len(warns)} warning(s)")
    return code


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "audit",
        help="vulnerabilities, licences, outdated packages and secrets",
        description=__doc__,
    )
    p.add_argument(
        "target",
        nargs="?",
        help="a bundle (folder or .zip), a workflow file or a workspace folder; "
        "default: the running environment",
    )
    p.add_argument("--json", action="store_true", help="the report and findings as JSON")
    p.add_argument(
        "--policy", help="audit policy file (default: knotwork-audit.json in the workspace)"
    )
    p.add_argument(
        "--advisories",
        help="OSV advisory file, folder or zip to check against instead of the online services",
    )
    p.add_argument("--strict", action="store_true", help='packages "not checked" fail the audit')
    p.add_argument(
        "--offline",
        action="store_true",
        help="no online lookups (also KNOTWORK_AUDIT_OFFLINE=1): vulnerabilities only from "
        "--advisories, outdated packages not checked",
    )
    p.set_defaults(func=cmd_audit)
