"""`knotwork export WORKFLOW --python FILE`: a standalone pandas + scikit-learn script that
reproduces the workflow, its deployment scope as one scikit-learn Pipeline.

Exit 0 when written (and, with --check, when the script's predictions and metrics equal
the workflow's), 1 when --check finds a difference, 2 for a node that cannot be exported."""

from __future__ import annotations

import argparse
import sys

from studio.cli.run import parse_assignments
from studio.core import Workflow


def cmd_export(args: argparse.Namespace) -> int:
    from studio.export import export_python
    from studio.export.check import check_script

    wf = Workflow.load(args.workflow)
    result = export_python(wf, args.python, parameters=parse_assignments(args.set))
    print(f"wrote {result.path} ({len(result.exported)} nodes", end="")
    print(", the deployment scope as one Pipeline)" if result.has_pipeline else ")")
    for skipped in result.skipped:
        print(f"  not exported (a check, monitor or chart): {skipped}")
    if not args.check:
        return 0
    scope = next((n.id for n in wf.nodes if n.type_id == "deployment.output"), None)
    problems = check_script(wf, result.path, scope if result.has_pipeline else None)
    if problems:
        print("the script answers differently from the workflow:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("check: the script's predictions and metrics equal the workflow's")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="write a standalone pandas + scikit-learn script that reproduces a workflow"
    )
    p.add_argument("workflow", help="a *.knotwork.json file")
    p.add_argument(
        "--python", required=True, metavar="FILE", help="the script to write (e.g. train.py)"
    )
    p.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="override a workflow parameter"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="run the script and compare its predictions and metrics with the workflow's",
    )
    p.set_defaults(func=cmd_export)
