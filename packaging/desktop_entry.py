"""Entry script of the desktop build (PyInstaller): the frozen program is `knotwork`.

With no arguments it opens the studio, as a double-click expects; with arguments it is the
`knotwork` command. `knotwork -m MODULE ARGS` runs one of our modules (or pip) as `python -m`
would, because in a frozen program sys.executable is this one: the studio starts its local
servers as `sys.executable -m studio.cli.lifeline ...`, and the dependency audit's pip_api
asks `sys.executable -m pip --version`.
"""

from __future__ import annotations

import multiprocessing
import runpy
import sys


def main() -> int:
    multiprocessing.freeze_support()  # node workers re-enter here when spawned/forkserved
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "-m":
        module = args[1]
        if not (module.startswith("studio.") or module == "pip"):
            print(f"knotwork: -m runs Knotwork's modules and pip only, not {module!r}", file=sys.stderr)
            return 2
        sys.argv = [sys.argv[0], *args[2:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from studio.cli.main import main as knotwork

    return knotwork(args or ["studio"])


if __name__ == "__main__":
    sys.exit(main())
