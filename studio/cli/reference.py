"""The command reference of the user guide, written from the `knotwork` parser itself so
it cannot drift from the code: `python -m studio.cli.reference docs/guide/reference.md`
(`make docs`); a test fails when the committed page differs from what this writes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from studio.cli.main import build_parser

HEADER = """# Command reference

Every `knotwork` command, its arguments and options, as `knotwork COMMAND --help` prints
them. This page is generated from the command-line parser (`make docs`); exit codes are
0 success, 1 the work failed (a node, a check, a gate), 2 bad usage or an unreadable
file, and 3 for `monitor status` when a monitor alerts.
"""


def _subcommands(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.ArgumentParser]]:
    out: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            seen: set[int] = set()
            for name, sub in action.choices.items():
                if id(sub) not in seen:  # an alias names the same parser again
                    seen.add(id(sub))
                    out.append((name, sub))
    return out


def _flags(action: argparse.Action) -> str:
    if not action.option_strings:
        return f"`{action.metavar or action.dest}`"
    takes_value = action.nargs != 0
    metavar = action.metavar or action.dest.upper()
    if isinstance(metavar, tuple):
        metavar = " ".join(metavar)
    value = f"[{metavar}]" if action.nargs == "?" else metavar
    return ", ".join(
        f"`{flag} {value}`" if takes_value else f"`{flag}`" for flag in action.option_strings
    )


def _help(action: argparse.Action) -> str:
    text = " ".join((action.help or "").split())
    if "%(" in text:
        text = text % {**vars(action), "prog": "knotwork"}
    if action.choices and not isinstance(action, argparse._SubParsersAction):
        text += f" (one of: {', '.join(map(str, action.choices))})"
    return text.replace("|", "\\|")


def _section(prog: str, parser: argparse.ArgumentParser, level: int) -> list[str]:
    lines = [f"{'#' * level} `{prog}`", ""]
    about = parser.description or ""
    if about:
        lines += [" ".join(about.split()), ""]
    usage = " ".join(parser.format_usage().replace("usage: ", "", 1).split())
    lines += ["```", usage, "```", ""]
    rows = [
        a
        for a in parser._actions
        if not isinstance(a, (argparse._HelpAction, argparse._SubParsersAction))
        and a.help != argparse.SUPPRESS
    ]
    if rows:
        lines += ["| argument | what it does |", "|---|---|"]
        lines += [f"| {_flags(a)} | {_help(a)} |" for a in rows]
        lines.append("")
    for name, sub in _subcommands(parser):
        lines += _section(f"{prog} {name}", sub, min(level + 1, 4))
    return lines


def reference_markdown() -> str:
    parser = build_parser()
    parser.prog = "knotwork"
    lines = [HEADER, "## Commands", ""]
    commands = _subcommands(parser)
    helps = {
        a.dest: a.help
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for a in action._choices_actions
    }
    for name, sub in commands:
        summary = helps.get(name) or " ".join((sub.description or "").split()).split(". ")[0]
        lines.append(f"- [`knotwork {name}`](#knotwork-{name}) — {summary.rstrip('.')}")
    lines.append("")
    for name, sub in commands:
        lines += _section(f"knotwork {name}", sub, 2)
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    text = reference_markdown()
    if not args:
        sys.stdout.write(text)
        return 0
    target = Path(args[0])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(target)
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
