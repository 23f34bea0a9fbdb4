"""Start the studio: one QApplication, one main window, optionally a workflow file;
on the very first start the starter template is opened."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication


def main(workflow: str | None = None, argv: list[str] | None = None) -> int:
    if workflow and not Path(workflow).is_file():
        print(f"knotwork studio: no such workflow file: {workflow}", file=sys.stderr)
        return 2
    from .main_window import MainWindow
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
    return app.exec()
