"""`knotwork studio [WORKFLOW]`: open the graphical studio (PySide6 is imported only here, lazily)."""

from __future__ import annotations

import argparse
import importlib.util
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "studio", help="open the graphical studio", description="Open the Knotwork Studio window."
    )
    p.add_argument("workflow", nargs="?", metavar="WORKFLOW", help="a *.knotwork.json file to open")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("PySide6") is None:
        print(
            "knotwork studio needs PySide6, which is not installed: pip install 'knotwork[gui]' "
            "(or pip install PySide6-Essentials)",
            file=sys.stderr,
        )
        return 2
    from studio.gui.app import main

    return main(args.workflow)
