"""Write the documentation screenshots: `python -m studio.gui.screenshots docs/images`.

Opens the penguins starter template (a copy in a temporary workspace), executes it,
and grabs the main window, a configuration dialog, a table viewer, the Deploy dialog and
the Tests dock after Run Tests to PNG files (the user guide shows them).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path


def take(out_dir: Path) -> list[Path]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QEventLoop, QSettings, Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from .main_window import MainWindow
    from .preferences import Preferences
    from .templates import find_templates

    app = QApplication.instance() or QApplication([sys.argv[0]])
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="knotwork-shots-"))
    prefs = Preferences(QSettings(str(tmp / "prefs.ini"), QSettings.IniFormat))
    prefs.workspace = tmp / "workspace"
    window = MainWindow(prefs=prefs, quiet=True)
    window.resize(1600, 900)
    window.show()
    template = next((t for t in find_templates() if t.path.parent.name == "penguins"), None)
    if template is None:
        raise SystemExit("workspace_templates/penguins/penguins.knotwork.json is missing")
    window.files.new_from_template(template)
    wf = window.document.workflow
    loop = QEventLoop()
    window.runner.finished.connect(loop.quit)
    QTimer.singleShot(300_000, loop.quit)  # never hang a build
    if window.run_all():
        loop.exec()
    result = window.runner.last_result
    if result is None or not result.ok:
        print(
            f"warning: the template did not run cleanly: {getattr(result, 'errors', None)}",
            file=sys.stderr,
        )
    window.view.fit()
    predict = (
        wf.node("Predict").id if any(n.label == "Predict" for n in wf.nodes) else wf.nodes[-1].id
    )
    window.scene.select_nodes([predict])
    window.repository.tree.setCurrentItem(window.repository.items["learners.logistic_regression"])
    app.processEvents()
    written = []
    path = out_dir / "studio-main.png"
    window.grab().save(str(path))
    written.append(path)

    split = next((n.id for n in wf.nodes if n.type_id == "validation.partitioning"), wf.nodes[0].id)
    dialog = window.configure_node(split)
    dialog.resize(560, 640)
    app.processEvents()
    path = out_dir / "studio-configure.png"
    dialog.grab().save(str(path))
    written.append(path)
    dialog.reject()

    viewer = window.open_port_viewer(predict, 0)
    if viewer is not None:
        viewer.resize(1200, 560)
        headers = [
            viewer.model.headerData(c, Qt.Horizontal) for c in range(viewer.model.columnCount())
        ]
        if "prediction" in headers:
            column = headers.index("prediction")
            viewer.view.horizontalHeader().setSortIndicator(column, Qt.AscendingOrder)
            viewer.view.selectColumn(column)
            viewer.show_stats(column)
        app.processEvents()
        viewer.view.horizontalScrollBar().setValue(viewer.view.horizontalScrollBar().maximum())
        app.processEvents()
        path = out_dir / "studio-table-viewer.png"
        viewer.grab().save(str(path))
        written.append(path)
    wizard = window.deploy()  # the Deploy dialog on the template's scoring path
    if wizard is not None:
        wizard.resize(600, 760)
        app.processEvents()
        path = out_dir / "studio-deploy.png"
        wizard.grab().save(str(path))
        written.append(path)
        wizard.reject()

    tests = window.workflow_tests  # Run > Run Tests on the template's shipped test file
    done = QEventLoop()
    tests.finished.connect(done.quit)
    QTimer.singleShot(300_000, done.quit)
    if tests.run():
        done.exec()
    window.view.fit()
    app.processEvents()
    path = out_dir / "studio-tests.png"
    window.grab().save(str(path))
    written.append(path)
    written.append(gallery_shot(out_dir, window))
    window.document.undo_stack.setClean()
    window.close()
    return written


def gallery_shot(out_dir: Path, parent=None) -> Path:
    """The "New from template" gallery with the leakage template's walkthrough shown."""
    from PySide6.QtWidgets import QApplication

    from .templates import TemplateGallery, find_templates

    templates = find_templates()
    gallery = TemplateGallery(templates, parent)
    folders = [t.folder for t in templates]
    gallery.list.setCurrentRow(folders.index("leakage") if "leakage" in folders else 0)
    gallery.resize(1100, 680)
    gallery.show()
    QApplication.processEvents()
    path = out_dir / "template-gallery.png"
    gallery.grab().save(str(path))
    gallery.reject()
    return path


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")
    for p in take(target):
        print(p)
