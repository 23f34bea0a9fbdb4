"""`knotwork deploy`: run a workflow, capture its scoring path and write a signed bundle."""

from __future__ import annotations

import argparse
import sys

from studio.cli.run import parse_assignments
from studio.core import Workflow


def cmd_deploy(args: argparse.Namespace) -> int:
    from studio.deploy import build_bundle
    from studio.deploy.errors import BundleError, CaptureError
    from studio.deploy.gates import DeployOverrides, parse_size

    try:
        limit = parse_size(args.max_frozen_table) if args.max_frozen_table else None
    except ValueError as exc:
        print(f"knotwork: --max-frozen-table: {exc}", file=sys.stderr)
        return 2
    overrides = DeployOverrides(
        allow_failed_validation=args.allow_failed_validation,
        allow_fit_in_scope=args.allow_fit_in_scope,
        **({"max_frozen_table": limit} if limit is not None else {}),
    )

    wf = Workflow.load(args.workflow)
    quiet = args.quiet
    version = args.version
    if args.register and version is None:
        version = _version_past_registry(wf, args)
    try:
        result = build_bundle(
            wf,
            args.output,
            name=args.name,
            version=version,
            parameters=parse_assignments(args.set),
            input_node=args.input_node,
            output_node=args.output_node,
            signing_key=args.key,
            advisories=args.advisories,
            overrides=overrides,
            on_progress=None
            if quiet
            else (lambda msg: print(f"deploy: {msg}", file=sys.stderr, flush=True)),
        )
    except CaptureError as exc:
        print(f"knotwork: {exc}", file=sys.stderr)
        return 2
    except BundleError as exc:
        print(f"knotwork: {exc}", file=sys.stderr)
        return 1
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    m = result.manifest
    onnx = m["onnx"]
    print(f"bundle {m['name']} version {m['version']} written to {result.path}")
    print(
        f"  parity: passed on {result.parity['rows']} held-out rows (max numeric difference {result.parity['max_abs_diff']:.3g})"
    )
    print(
        f"  ONNX: {'model.onnx exported, parity checked' if onnx.get('exported') else onnx.get('note')}"
    )
    print(f"  input columns: {', '.join(c['name'] for c in m['input_schema']['columns'])}")
    _print_gates(m)
    from studio.security.findings import recorded_summary

    print(f"  audit: {recorded_summary(m.get('audit'))} (details: knotwork audit {result.path})")
    if args.register:
        return _register(result.path, args)
    return 0


def _print_gates(m: dict) -> None:
    """The Validation Report's verdict and every table frozen into the bundle."""
    from studio.deploy.gates import describe_table

    gate = m.get("deploy_overrides") or {}
    status = gate.get("validation_status", "none")
    verdict = {
        "none": "none found (no Validation Report judged the bundled model)",
        "fail": "FAIL, built anyway (--allow-failed-validation)",
    }.get(status, status)
    print(f"  validation report: {verdict}")
    tables = m.get("frozen_tables") or []
    print(f"  frozen tables: {len(tables) or 'none'}")
    for t in tables:
        print(f"    {describe_table(t)}")


def _version_past_registry(wf: Workflow, args: argparse.Namespace) -> str:
    """With --register, an automatic version also counts the versions the registry holds, so
    a bundle written to a fresh folder does not collide with an already registered one."""
    from studio.deploy.versions import default_name, next_version
    from studio.registry import NotFoundError, open_registry

    name = args.name or default_name(wf.path, wf.name, args.output)
    reg = open_registry(args.registry)
    try:
        taken = [v.version for v in reg.model(name).versions]
    except NotFoundError:
        taken = []
    finally:
        reg.close()
    return next_version(args.output, name, taken)


def _register(path, args: argparse.Namespace) -> int:
    """`--register`: record the new bundle in the registry and move `dev` to it."""
    from studio.registry import register_bundle
    from studio.registry.errors import PromotionRefusedError

    try:
        info = register_bundle(path, registry=args.registry, env="dev")
    except PromotionRefusedError as exc:
        print(f"knotwork: registered, but not promoted to dev: {exc}", file=sys.stderr)
        return 1
    print(f"  registered as {info.model}:{info.version} and promoted to dev")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "deploy",
        help="build a signed, parity-checked bundle from a workflow",
        description="Run WORKFLOW (reusing cached results), capture the nodes between its Deployment Input and "
        "Deployment Output, and write a signed bundle (a folder, or one file when PATH ends in .zip).",
    )
    p.add_argument("workflow", help="the *.knotwork.json workflow file")
    p.add_argument(
        "--output", "-o", required=True, metavar="PATH", help="bundle folder or .zip file to write"
    )
    p.add_argument("--name", help="bundle name (default: the workflow's name)")
    p.add_argument(
        "--version",
        help="bundle version (default: one more than the bundles of that name next to PATH)",
    )
    p.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="override a workflow parameter (repeatable)",
    )
    p.add_argument(
        "--key",
        metavar="KEYFILE",
        help="Ed25519 private key to sign with (default: your key, created on first use)",
    )
    p.add_argument(
        "--input-node",
        metavar="NODE",
        help="Deployment Input node id or label, when there are several",
    )
    p.add_argument(
        "--output-node",
        metavar="NODE",
        help="Deployment Output node id or label, when there are several",
    )
    p.add_argument(
        "--register",
        action="store_true",
        help="register the bundle in the model registry and promote it to dev",
    )
    p.add_argument(
        "--registry",
        metavar="URL",
        help="registry database URL (default: KNOTWORK_REGISTRY_URL, else .knotwork/registry.db in "
        "the workspace: $KNOTWORK_WORKSPACE, or the current folder)",
    )
    p.add_argument(
        "--advisories",
        metavar="PATH",
        help="OSV advisory file, folder or zip for the dependency audit the manifest records "
        "(default: the audit policy's, else the online services)",
    )
    p.add_argument(
        "--allow-failed-validation",
        action="store_true",
        help="build even when the Validation Report fails (recorded in the manifest and the "
        "registry's audit log)",
    )
    p.add_argument(
        "--allow-fit-in-scope",
        action="store_true",
        help="build even when a learner's fit lies between the Deployment Input and Output",
    )
    p.add_argument(
        "--max-frozen-table",
        metavar="SIZE",
        help="largest table static input the bundle may freeze (default 1MB; e.g. 50MB)",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_deploy)
