"""Entry point of the `knotwork` command: one sub-module per command group.

Each module in COMMAND_MODULES exposes `register(subparsers)`, which adds its
sub-commands and sets `func(args) -> int` on them. Exit codes: 0 success,
1 the work failed (a node, a check), 2 bad usage or an unreadable file.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings

from studio._version import __version__
from studio.core.errors import KnotworkError

COMMAND_MODULES = (
    "studio.cli.run",
    "studio.cli.catalog",
    "studio.cli.deploy",
    "studio.cli.bundle",
    "studio.cli.keys",
    "studio.cli.serve",
    "studio.cli.score",
    "studio.cli.monitor",
    "studio.cli.registry",
    "studio.cli.audit",
    "studio.cli.retrain",
    "studio.cli.studio",
    "studio.cli.components",
    "studio.cli.test",
    "studio.cli.templates",
    "studio.cli.export",
)


class _Parser(argparse.ArgumentParser):
    def error(
        self, message: str
    ) -> None:  # exit 2 with a clear line, as argparse does, minus the noise
        self.print_usage(sys.stderr)
        print(f"knotwork: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings read as one line for the user, without the source path of the code warning."""
    kind = "" if issubclass(category, UserWarning) else f" ({category.__name__})"
    print(f"knotwork: warning{kind}: {message}", file=file or sys.stderr)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="knotwork", description="Knotwork: build, run, deploy and govern ML workflows."
    )
    parser.add_argument("--version", action="version", version=f"knotwork {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    warnings.showwarning = _show_warning
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows up here, not in the interpreter's exit
        return code
    except BrokenPipeError:
        # The reader went away (`knotwork nodes --json | head`): stop quietly, as cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KnotworkError as exc:
        print(f"knotwork: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("knotwork: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
