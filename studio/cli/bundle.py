"""`knotwork bundle inspect|verify|dockerfile`: look inside a bundle, check it without loading
its state, or write a container build context that serves it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from studio.core.fileformat import dumps


def _inspect_data(path: str, keys: Any) -> dict[str, Any]:
    from studio.deploy.archive import MANIFEST, read_files, verify_files
    from studio.deploy.errors import BundleIntegrityError

    files = read_files(path)
    try:
        manifest = json.loads(files[MANIFEST])
    except (KeyError, ValueError):
        raise BundleIntegrityError(
            f"{path}: no readable {MANIFEST}: this is not a Knotwork bundle", file=MANIFEST
        ) from None
    try:
        verified = verify_files(path, keys)
        status = {"verified": True, "signed_by": verified.key_id}
    except BundleIntegrityError as exc:
        status = {"verified": False, "problem": str(exc), "file": exc.file}
    return {
        "manifest": manifest,
        "verification": status,
        "scoring": _scoring(path, keys, manifest, status["verified"]),
        "size_bytes": sum(len(b) for b in files.values()),
    }


def _scoring(path: str, keys: Any, manifest: dict[str, Any], verified: bool) -> dict[str, Any]:
    """The plan a loaded bundle scores with here (proven at load), else what the build found."""
    if verified:
        from studio.deploy import Bundle

        try:
            return {**Bundle.load(path, keys).scoring(), "proven": "at load"}
        except Exception as exc:  # noqa: BLE001 — inspect still shows the manifest
            return {"plan": "unknown", "refused": {}, "problem": f"{type(exc).__name__}: {exc}"}
    built = manifest.get("scoring") or {"plan": "graph", "refused": {}}
    return {**built, "proven": "at build"}


def _columns(schema: dict[str, Any]) -> str:
    return ", ".join(f"{c['name']} ({c['dtype']})" for c in schema.get("columns", []))


def _monitor_lines(manifest: dict[str, Any]) -> list[str]:
    from studio.deploy.monitoring import SECTION, describe_monitors

    lines = [
        f"  monitor:      {d['name']} ({d['kind']}, node {d['node']}): {d['watches']}; "
        f"alert: {d['threshold']}" + (f"; window {d['window']}" if d.get("window") else "")
        for d in describe_monitors(manifest)
    ]
    notes = (manifest.get(SECTION) or {}).get("notes", [])
    if SECTION not in manifest:
        notes = ["built before monitoring sections: read as a default Drift Monitor on every input"]
    return lines + [f"  monitor note: {n}" for n in notes]


def cmd_inspect(args: argparse.Namespace) -> int:
    data = _inspect_data(args.bundle, args.key)
    if args.json:
        sys.stdout.write(dumps(data))
        return 0
    m, v, scoring = data["manifest"], data["verification"], data["scoring"]
    parity = m.get("parity") or {}
    onnx = m.get("onnx") or {}
    lines = [
        f"{m.get('name')} version {m.get('version')}",
        f"  created:      {m.get('created_at')} by {m.get('created_by')} with Knotwork {m.get('knotwork_version')} (Python {m.get('python_version')})",
        f"  source:       {(m.get('source') or {}).get('path')} sha256 {(m.get('source') or {}).get('sha256', '')[:16]}…",
        f"  verified:     {'valid, key ' + v['signed_by'] if v['verified'] else 'NOT VERIFIED: ' + v['problem']}",
        f"  input:        {_columns(m.get('input_schema') or {})}",
        f"  output:       {_columns(m.get('output_schema') or {})}",
        f"  parity:       {'passed' if parity.get('passed') else 'FAILED' if parity.get('passed') is False else 'unknown'} on {parity.get('rows', '?')} rows",
        f"  ONNX:         {'model.onnx (' + onnx.get('precision', '') + ')' if onnx.get('exported') else onnx.get('note', 'none')}",
        f"  scoring:      the {scoring['plan']} plan (proven {scoring.get('proven', '')})",
        *(f"  not {name}:{' ' * (8 - len(name))}{why}" for name, why in scoring["refused"].items()),
    ]
    for label, values in ((m.get("metrics") or {}).get("training") or {}).items():
        lines.append(
            f"  training:     {label}: "
            + ", ".join(
                f"{k}={val:.4g}" for k, val in values.items() if isinstance(val, (int, float))
            )
        )
    for label, values in ((m.get("metrics") or {}).get("scores") or {}).items():
        nums = {
            k: val
            for k, val in values.items()
            if isinstance(val, (int, float)) and not isinstance(val, bool)
        }
        shown = [f"{k}={val:.4g}" for k, val in list(nums.items())[:6]]
        if isinstance(values.get("status"), str):  # a Validation Report: verdict and its checks
            checks = [c.get("status") for c in values.get("checks") or [] if isinstance(c, dict)]
            counts = ", ".join(
                f"{checks.count(s)} {s}" for s in ("pass", "warn", "fail") if s in checks
            )
            shown.insert(0, f"status={values['status']}" + (f" ({counts})" if counts else ""))
        if shown:
            lines.append(f"  scores:       {label}: " + ", ".join(shown))
    lines += _monitor_lines(m)
    from studio.security.findings import recorded_summary

    lines.append(f"  audit:        {recorded_summary(m.get('audit'))}")
    lines.append(f"  files:        {len(m.get('files') or {})} ({data['size_bytes']:,} bytes)")
    lines.append(
        f"  requirements: {', '.join(f'{k}=={val}' for k, val in (m.get('requirements') or {}).items())}"
    )
    print("\n".join(lines))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from studio.deploy.archive import verify_files
    from studio.deploy.errors import BundleIntegrityError

    if not Path(args.bundle).exists():
        print(f"knotwork: {args.bundle}: no such bundle", file=sys.stderr)
        return 2
    try:
        verified = verify_files(args.bundle, args.key)
    except BundleIntegrityError as exc:
        print(f"knotwork: verification failed: {exc}", file=sys.stderr)
        return 1
    m = verified.manifest
    print(
        f"OK: {m.get('name')} version {m.get('version')}: {len(m['files'])} files match, signed by trusted key {verified.key_id}"
    )
    return 0


def cmd_dockerfile(args: argparse.Namespace) -> int:
    from studio.deploy.container import write_context

    output = args.output or f"{Path(args.bundle).name.removesuffix('.zip')}-container"
    ctx = write_context(
        args.bundle, output, keys=args.key, wheels=args.wheel or (), bake_key=args.bake_key
    )
    key = f"public key {ctx.key_id} baked in" if ctx.key_id else "no key baked in: mount one"
    print(f"Wrote the build context {ctx.path} ({ctx.bundle}, {key}). Build and run it:")
    print(f"  docker build -t {ctx.image} {ctx.path} && docker run --rm -p 8080:8080 {ctx.image}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "bundle",
        help="inspect or verify a deployment bundle",
        description="Look inside a bundle or check its integrity.",
    )
    bsub = p.add_subparsers(dest="bundle_command", metavar="COMMAND")
    i = bsub.add_parser("inspect", help="summarise a bundle (schema, metrics, parity, signature)")
    i.add_argument("bundle", help="bundle folder or .zip")
    i.add_argument(
        "--json", action="store_true", help="print the manifest and verification status as JSON"
    )
    i.add_argument(
        "--key",
        metavar="PUB",
        help="public key to verify against (default: this machine's trusted keys)",
    )
    i.set_defaults(func=cmd_inspect)
    v = bsub.add_parser(
        "verify", help="check every file hash and the signature (exit 1 naming the first bad file)"
    )
    v.add_argument("bundle", help="bundle folder or .zip")
    v.add_argument(
        "--key",
        metavar="PUB",
        help="public key to verify against (default: this machine's trusted keys)",
    )
    v.set_defaults(func=cmd_verify)
    d = bsub.add_parser(
        "dockerfile",
        help="write a container build context serving the bundle (Dockerfile, bundle, key)",
        description="Verify the bundle, then write a folder for `docker build`: the server "
        "recipe (packaging/server.Dockerfile) with the bundle, its pinned requirements and "
        "the public key that verifies it baked in.",
    )
    d.add_argument("bundle", help="bundle folder or .zip")
    d.add_argument(
        "--output",
        metavar="DIR",
        help="a new or empty folder to write (default: BUNDLE-container beside you)",
    )
    d.add_argument(
        "--key",
        metavar="PUB",
        help="public key to verify against (default: this machine's trusted keys)",
    )
    d.add_argument(
        "--wheel",
        action="append",
        metavar="WHL",
        help="a Knotwork wheel to install in the image (when Knotwork is not on your index); "
        "repeatable, the last one is installed",
    )
    d.add_argument(
        "--no-key",
        dest="bake_key",
        action="store_false",
        help="do not bake the signer's public key in: mount it at /srv/knotwork/keys/trusted",
    )
    d.set_defaults(func=cmd_dockerfile)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
