"""`knotwork components`: the component library (list), and a workflow's linked copies
(status: which the library has newer; update: take the library's version)."""

from __future__ import annotations

import argparse
import json

from studio.core import Workflow
from studio.core.component_library import (
    LibraryComponent,
    library_folders,
    load_library,
    outdated,
    update,
)
from studio.core.errors import KnotworkError


def add_library_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--components",
        action="append",
        default=[],
        metavar="DIR",
        help="a component library folder (or git checkout) to use besides $KNOTWORK_COMPONENTS, "
        "the workspace's components/ and the shipped components (repeatable)",
    )


def library(args: argparse.Namespace) -> dict[str, LibraryComponent]:
    found, problems = load_library(library_folders(args.components))
    for line in problems:
        print(f"knotwork: warning: skipped {line}")
    return found


def outdated_notes(wf: Workflow, found: dict[str, LibraryComponent]) -> list[str]:
    return [
        f'component "{wf.components[cid].name}" is version {here} here; the library has version '
        f"{newer} ({found[wf.components[cid].library.id].path}): knotwork components update "
        f"{wf.path or 'WORKFLOW'} --component {cid}"
        for cid, here, newer in outdated(wf, found)
    ]


def cmd_list(args: argparse.Namespace) -> int:
    found = library(args)
    if args.json:
        rows = [
            {"id": c.id, "name": c.definition.name, "version": c.version, "path": str(c.path)}
            for c in found.values()
        ]
        print(json.dumps(rows, indent=2))
        return 0
    for c in sorted(found.values(), key=lambda c: c.id):
        print(f"{c.id}\tv{c.version}\t{c.definition.name}\t{c.path}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    wf = Workflow.load(args.workflow)
    found = library(args)
    linked = [d for d in wf.components.values() if d.library]
    for d in wf.components.values():
        where = f"linked to {d.library.id} v{d.library.version}" if d.library else "inline"
        print(f"{d.id}\tv{d.version}\t{d.name}\t{where}")
    notes = outdated_notes(wf, found)
    for line in notes:
        print(line)
    if not wf.components:
        print(f"{args.workflow}: no components")
    elif linked and not notes:
        print("every linked component is the library's newest version")
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    wf = Workflow.load(args.workflow)
    found = library(args)
    todo = [cid for cid, _, _ in outdated(wf, found)]
    if args.component:
        unknown = [c for c in args.component if c not in wf.components]
        if unknown:
            raise KnotworkError(
                f"{args.workflow} has no component {unknown[0]!r} (its components: "
                f"{', '.join(wf.components) or 'none'})"
            )
        todo = [c for c in todo if c in args.component]
    if not todo:
        print("nothing to update: every linked component is the library's newest version")
        return 0
    for cid in todo:
        comp = found[wf.components[cid].library.id]
        before = wf.components[cid].version
        for note in update(wf, comp):
            print(f"note: {note}")
        print(f'updated "{comp.definition.name}" from version {before} to {comp.version}')
    wf.save()
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("components", help="the component library and a workflow's components")
    cmds = p.add_subparsers(dest="components_command", metavar="COMMAND")
    ls = cmds.add_parser("list", help="the components in the library folders, newest versions")
    ls.add_argument("--json", action="store_true", help="machine-readable output")
    st = cmds.add_parser("status", help="a workflow's components and which have newer versions")
    st.add_argument("workflow", help="a *.knotwork.json file")
    up = cmds.add_parser("update", help="take the library's newer version of linked components")
    up.add_argument("workflow", help="a *.knotwork.json file")
    up.add_argument("--component", action="append", metavar="ID", help="only this one")
    for c, func in ((ls, cmd_list), (st, cmd_status), (up, cmd_update)):
        add_library_option(c)
        c.set_defaults(func=func)
    p.set_defaults(func=lambda args: p.print_help() or 2)
