"""The windows that show port values: owned by the main window (they stay in front of it
and close with it), one per port (opening it again raises it), closed with Esc, placed
where the user left that kind of viewer last time and always on a screen."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import QWidget

from .preferences import Preferences

DEFAULT_SIZE = (900, 560)


def keep_on_screen(window: QWidget) -> None:
    """Move (and shrink) a window so all of it lies on the screen nearest to it."""
    frame = window.frameGeometry()
    screen = QGuiApplication.screenAt(frame.center()) or window.screen()
    room = screen.availableGeometry()
    edge_w, edge_h = frame.width() - window.width(), frame.height() - window.height()
    width = min(window.width(), room.width() - edge_w)
    height = min(window.height(), room.height() - edge_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.left(), room.left()), room.right() - frame.width() + 1)
    y = min(max(frame.top(), room.top()), room.bottom() - frame.height() + 1)
    if (x, y) != (frame.left(), frame.top()):
        window.move(x, y)


class ViewerWindows(QObject):
    def __init__(self, owner: QWidget, prefs: Preferences):
        super().__init__(owner)
        self.owner, self.prefs = owner, prefs
        self.open: dict[tuple[str, int], QWidget] = {}

    @property
    def windows(self) -> list[QWidget]:
        return list(self.open.values())

    def find(self, node_id: str, port: int) -> QWidget | None:
        return self.open.get((node_id, port))

    def show(self, viewer: QWidget, node_id: str, port: int, title: str) -> QWidget:
        old = self.open.pop((node_id, port), None)
        if old is not None:
            old.close()
        kind = type(viewer).__name__
        viewer.setParent(self.owner, Qt.Window)
        viewer.setWindowTitle(title)
        viewer.setProperty("geometry_key", f"viewer/{kind}")
        esc = QShortcut(QKeySequence(Qt.Key_Escape), viewer, viewer.close)
        esc.setContext(Qt.WidgetWithChildrenShortcut)
        saved = self.prefs.geometry(f"viewer/{kind}")
        if saved is None or not viewer.restoreGeometry(saved):
            viewer.resize(*DEFAULT_SIZE)
            center = self.owner.frameGeometry().center()
            viewer.move(center.x() - DEFAULT_SIZE[0] // 2, center.y() - DEFAULT_SIZE[1] // 2)
        viewer.installEventFilter(self)
        viewer.show()
        keep_on_screen(viewer)
        viewer.raise_()
        viewer.activateWindow()
        self.open[(node_id, port)] = viewer
        return viewer

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Close and isinstance(obj, QWidget):
            key = obj.property("geometry_key")
            if key:
                self.prefs.set_geometry(key, obj.saveGeometry().data())
            for k, w in list(self.open.items()):
                if w is obj:
                    del self.open[k]
        return False

    def close_all(self) -> None:
        for viewer in self.windows:
            viewer.close()
