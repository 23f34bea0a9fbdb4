"""Fixtures for driving the real studio window: isolated preferences, a window that
never shows modal boxes, and a small penguins CSV without missing values."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from studio.gui.main_window import MainWindow  # noqa: E402
from studio.gui.preferences import Preferences  # noqa: E402


@pytest.fixture
def prefs(tmp_path) -> Preferences:
    p = Preferences(QSettings(str(tmp_path / "prefs.ini"), QSettings.IniFormat))
    p.workspace = tmp_path / "workspace"
    return p


@pytest.fixture
def make_window(qtbot, prefs):
    """Open studio windows sharing one preferences file; each is closed without prompts."""
    opened: list[MainWindow] = []

    def make(workflow=None, catalog=None) -> MainWindow:
        window = MainWindow(workflow, catalog=catalog, prefs=prefs, quiet=True)
        window.files.ask_unsaved = lambda: QMessageBox.Discard  # never block on a modal box
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        opened.append(window)
        return window

    yield make
    for window in opened:
        if window.runner.running:
            window.runner.cancel()
            window.runner.wait()


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()


@pytest.fixture
def penguins_csv(tmp_path, penguins_df):
    """Complete rows only, so the learner needs no Missing Value node."""
    path = tmp_path / "penguins.csv"
    penguins_df.dropna().to_csv(path, index=False)
    return path
