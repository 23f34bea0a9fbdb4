"""`knotwork templates`: the shipped example workflows, one per way models fail in
production (list), and a copy of one into a folder of your own (copy)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from studio.core.templates import copy_template_to, find_templates, template_named, templates_dir


def cmd_list(args: argparse.Namespace) -> int:
    found = find_templates()
    if args.json:
        rows = [
            {
                "name": t.folder,
                "title": t.heading,
                "fault_line": t.fault_line,
                "description": t.description,
                "walkthrough": list(t.walkthrough),
                "commands": list(t.commands),
                "workflow": str(t.path),
            }
            for t in found
        ]
        print(json.dumps(rows, indent=2))
        return 0
    if not found:
        print(f"no templates in {templates_dir()}")
        return 0
    width = max(len(t.folder) for t in found)
    for t in found:
        line = f"{t.folder:<{width}}  {t.heading}"
        print(f"{line}  [{t.fault_line}]" if t.fault_line else line)
    print("\ncopy one: knotwork templates copy NAME DEST")
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    template = template_named(args.name)
    workflow = copy_template_to(template, Path(args.dest))
    print(f"copied {template.folder} to {workflow.parent}")
    print(f"workflow: {workflow}")
    if template.walkthrough:
        print("\nwalkthrough:")
        for i, step in enumerate(template.walkthrough, 1):
            print(f"  {i}. {step}")
    if template.commands:
        print(f"\ntry (in {workflow.parent}):")
        for command in template.commands:
            print(f"  {command}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("templates", help="example workflows: list them, copy one to a folder")
    tsub = p.add_subparsers(dest="templates_command", metavar="ACTION")

    def usage(_args: argparse.Namespace) -> int:
        p.print_help()
        return 2

    p.set_defaults(func=usage)
    ls = tsub.add_parser("list", help="the templates and the fault line each shows")
    ls.add_argument("--json", action="store_true", help="print metadata as JSON")
    ls.set_defaults(func=cmd_list)
    cp = tsub.add_parser("copy", help="copy a template (workflow, data, SOURCE.md) to DEST")
    cp.add_argument("name", help="the template's name, as `knotwork templates list` shows it")
    cp.add_argument("dest", help="folder to create (must not exist, or be empty)")
    cp.set_defaults(func=cmd_copy)
