"""Start the studio: one QApplication, one main window, optionally a workflow file;
on the very first start the starter template is opened. The studio leaves when asked,
even mid-run, and takes its worker processes and local model servers with it."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def main(
    workflow: str | None = None, argv: list[str] | None = None, quit_after: float | None = None
) -> int:
    if workflow and not Path(workflow).is_file():
        print(f"knotwork studio: no such workflow file: {workflow}", file=sys.stderr)
        return 2
    from .main_window import MainWindow
    from .runner import stop_node_workers
    from .templates import find_templates

    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("Knotwork Studio")
    app.setOrganizationName("Knotwork")
    window = MainWindow()
    if workflow:
        if not window.files.open(Path(workflow)):
            return 2
    elif window.prefs.first_start:
        starters = [
            t for t in find_templates() if t.path.parent.name == "penguins"
        ] or find_templates()[:1]
        if starters:
            window.files.new_from_template(starters[0])
    window.prefs.mark_started()
    window.show()
    _close_on_signals(window)
    if quit_after is not None:
        _quit_after(window, quit_after)
    code = app.exec()
    window.stop_servers()
    stop_node_workers()
    if window.busy():  # a node that ignored the cancel: do not wait for it at exit
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _quit_after(window, seconds: float) -> None:
    """`--quit-after`: a smoke test proves the real window came up, then leaves as Quit does."""

    def leave() -> None:
        title = window.windowTitle().replace("[*]", "") or "Knotwork Studio"
        print(
            f"knotwork studio: the window '{title}' was shown; quitting after {seconds:g} s",
            flush=True,
        )
        window.close_quietly()

    QTimer.singleShot(int(seconds * 1000), leave)


def _close_on_signals(window) -> None:
    """Ctrl-C in the terminal and SIGTERM close the window as Quit does, without questions.
    Python runs signal handlers only between bytecodes, so a timer gives it the chance."""

    def handler(_signum, _frame) -> None:
        QTimer.singleShot(0, window.close_quietly)

    for name in ("SIGINT", "SIGTERM"):
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), handler)
    tick = QTimer(window)
    tick.timeout.connect(lambda: None)
    tick.start(200)
