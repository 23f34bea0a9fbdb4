"""File ▸ Export to Python… writes the open workflow as a standalone script in the
background, and names the node when one cannot be exported."""

from __future__ import annotations

import shutil
import subprocess
import sys

from studio.core import Workflow
from tests.conftest import TEMPLATES
from tests.deploy.test_templates import _narrowed


def _export(qtbot, window, path):
    with qtbot.waitSignal(window.python_export.finished, timeout=120_000) as blocker:
        assert window.python_export.start(path)
        assert window.busy()
    return blocker.args[0]


def test_export_to_python_writes_a_script_that_runs(qtbot, make_window, tmp_path):
    folder = shutil.copytree(TEMPLATES / "penguins", tmp_path / "penguins")
    window = make_window(_narrowed(folder / "penguins.knotwork.json"))
    texts = [a.text().replace("&", "") for a in window.menuBar().actions()[0].menu().actions()]
    assert "Export to Python…" in texts
    result = _export(qtbot, window, folder / "train")  # the .py suffix is added
    assert result is not None and result.path == folder / "train.py"
    assert not window.busy()
    assert f"Exported 20 nodes to {folder / 'train.py'}" in window.console.lines[-5]
    assert window.status_label.text() == "Exported to train.py"
    done = subprocess.run([sys.executable, str(result.path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "Score test:" in done.stdout and "accuracy" in done.stdout
    window.grab().save(str(tmp_path / "exported.png"))


def test_export_names_the_node_it_cannot_write(qtbot, make_window, tmp_path):
    folder = shutil.copytree(TEMPLATES / "credentials", tmp_path / "credentials")
    window = make_window(Workflow.load(folder / "credentials.knotwork.json"))
    assert _export(qtbot, window, tmp_path / "flowers.py") is None
    assert "Cannot export to Python: Flowers: SQL Reader" in window.console.lines[-1]
    assert window.status_label.text().startswith("Flowers: SQL Reader")
    assert not (tmp_path / "flowers.py").exists()
    assert not window.busy()
