"""`knotwork studio [WORKFLOW]`: open the graphical studio (PySide6 is imported only here, lazily)."""

from __future__ import annotations

import argparse
import importlib.util
import sys


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 < value <= 86_400:
        raise argparse.ArgumentTypeError(f"{text}: give a number of seconds between 0 and 86400")
    return value


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "studio", help="open the graphical studio", description="Open the Knotwork Studio window."
    )
    p.add_argument("workflow", nargs="?", metavar="WORKFLOW", help="a *.knotwork.json file to open")
    p.add_argument(
        "--quit-after",
        type=_seconds,
        metavar="SECONDS",
        help="close the window without questions after this many seconds and exit 0 "
        "(for smoke tests of an installation, e.g. with QT_QPA_PLATFORM=offscreen)",
    )
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

    return main(args.workflow, quit_after=getattr(args, "quit_after", None))
