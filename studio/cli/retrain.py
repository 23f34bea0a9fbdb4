"""`knotwork retrain`: rerun a training workflow into a new, parity-checked bundle whose
lineage names its champion, trigger and data window, and register it as the challenger.

Exit codes: 0 done; 1 the run, the parity check or a promotion was refused; 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys

from studio.cli.run import parse_assignments


def cmd_retrain(args: argparse.Namespace) -> int:
    from studio.deploy.errors import BundleError
    from studio.registry import Registry
    from studio.retrain import retrain

    say = None if args.quiet else (lambda m: print(f"retrain: {m}", file=sys.stderr, flush=True))
    with Registry(args.registry) as reg:
        try:
            result = retrain(
                args.workflow,
                reg,
                challenger_of=args.challenger_of,
                parameters=parse_assignments(args.set),
                register=args.register,
                promote_to=args.promote_to or [],
                trigger=args.trigger,
                output=args.output,
                on_progress=say,
            )
        except BundleError as exc:
            print(f"knotwork: {exc}", file=sys.stderr)
            return 1
    lineage = result.retraining
    if args.json:
        print(
            json.dumps(
                {
                    "model": result.model,
                    "version": result.version,
                    "path": str(result.path),
                    "retraining": lineage,
                    "registered": result.registered is not None,
                    "promoted_to": result.promotions,
                    "refused": result.refusals,
                },
                indent=2,
                sort_keys=True,
            )
        )
    else:
        print(f"bundle {result.model} version {result.version} written to {result.path}")
        print(f"  champion: {lineage['champion'] or 'none'}; trigger: {lineage['trigger']}")
        for w in lineage["data_window"]:
            print(
                f'  data: "{w["node"]}" rows of {w["model"]} from {w["since"] or "the start"} '
                f"to {w['until']}"
            )
        if result.registered is not None:
            envs = ", ".join(result.promotions) or "no environment"
            print(f"  registered as {result.model}:{result.version} (alias challenger), in {envs}")
        for refusal in result.refusals:
            print(f"  not promoted to {refusal}", file=sys.stderr)
    return 1 if result.refusals else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "retrain",
        help="rerun a training workflow into a challenger bundle and register it",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("workflow", help="the *.knotwork.json training workflow")
    p.add_argument(
        "--set",
        action="append",
        metavar="NAME=VALUE",
        help="override a workflow parameter (repeatable), e.g. --set since=7d",
    )
    p.add_argument(
        "--register",
        action="store_true",
        help="register the bundle, point the alias 'challenger' at it and promote it to dev",
    )
    p.add_argument(
        "--challenger-of",
        metavar="MODEL@ENV",
        help="the champion it challenges (recorded in its lineage; the bundle takes MODEL's name)",
    )
    p.add_argument(
        "--promote-to",
        action="append",
        metavar="ENV",
        help="with --register: also promote to this non-prod environment, if its policy allows",
    )
    p.add_argument(
        "--trigger", default="manual", help="why (recorded in the lineage; default: manual)"
    )
    p.add_argument(
        "--output", "-o", metavar="PATH", help="bundle folder (default: .knotwork/retrain/)"
    )
    p.add_argument("--registry", metavar="URL", help="registry database URL or SQLite file")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.set_defaults(func=cmd_retrain)
