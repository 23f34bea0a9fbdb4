"""Entry script of the desktop build (PyInstaller): the frozen program is `knotwork`.

With no arguments it opens the studio, as a double-click expects; with arguments it is the
`knotwork` command. `knotwork -m studio.MODULE ARGS` runs one of our modules as
`python -m` would, because the studio starts its local servers as
`sys.executable -m studio.cli.lifeline ...` and in a frozen program sys.executable is this one.
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
        if not module.startswith("studio."):
            print(f"knotwork: -m runs Knotwork's own modules only, not {module!r}", file=sys.stderr)
            return 2
        sys.argv = [sys.argv[0], *args[2:]]
        runpy.run_module(module, run_name="__main__", alter_sys=True)
        return 0
    from studio.cli.main import main as knotwork

    return knotwork(args or ["studio"])


if __name__ == "__main__":
    sys.exit(main())
