"""The node repository: node types by category, a search over name, keywords and
description, a description pane; drag a node onto the canvas or double-click it."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QLineEdit,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core import Catalog, NodeType
from studio.core.component import BOUNDARY_CATEGORY

from .canvas.scene import NODE_MIME

TYPE_ROLE = Qt.UserRole + 1


def matches(node_type: type[NodeType], query: str) -> bool:
    """Every word of the query appears in the name, a keyword, the description or the category."""
    haystack = " ".join(
        [
            node_type.name,
            node_type.category,
            node_type.description,
            node_type.type_id,
            *node_type.keywords,
        ]
    ).lower()
    return all(word in haystack for word in query.lower().split())


def describe_html(node_type: type[NodeType]) -> str:
    def ports(items) -> str:
        rows = "".join(
            f"<li><b>{p.name}</b> ({p.type.value}{', optional' if getattr(p, 'optional', False) else ''})"
            f"{' — ' + p.description if p.description else ''}</li>"
            for p in items
        )
        return f"<ul>{rows}</ul>" if rows else "<p><i>none</i></p>"

    fields = "".join(
        f"<li><b>{name}</b>: {f.description or ''}</li>"
        for name, f in node_type.Settings.model_fields.items()
    )
    return (
        f"<h3>{node_type.name}</h3><p>{node_type.description}</p>"
        f"<p><small>{node_type.category} · {node_type.type_id} v{node_type.version}</small></p>"
        f"<p><b>Inputs</b></p>{ports(node_type.inputs)}<p><b>Outputs</b></p>{ports(node_type.outputs)}"
        + (f"<p><b>Settings</b></p><ul>{fields}</ul>" if fields else "")
    )


class _NodeTree(QTreeWidget):
    def mimeTypes(self) -> list[str]:
        return [NODE_MIME]

    def mimeData(self, items) -> QMimeData:
        mime = QMimeData()
        type_id = next((i.data(0, TYPE_ROLE) for i in items if i.data(0, TYPE_ROLE)), None)
        if type_id:
            mime.setData(NODE_MIME, type_id.encode("utf-8"))
        return mime


class RepositoryPanel(QWidget):
    add_requested = Signal(str)  # a node type id, from a double-click

    def __init__(
        self,
        catalog: Catalog,
        parent: QWidget | None = None,
        hidden: tuple[str, ...] = (BOUNDARY_CATEGORY,),
    ):
        super().__init__(parent)
        self.catalog = catalog
        self.hidden = hidden  # categories not offered (a component's ports, outside one)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search nodes (name, keyword, description)…")
        self.search.setClearButtonEnabled(True)
        self.tree = _NodeTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QTreeWidget.DragOnly)
        self.description = QTextBrowser()
        self.description.setPlaceholderText(
            "Select a node to read what it does, its ports and settings. "
            "Drag it onto the canvas, or double-click it, to add it."
        )
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.tree)
        split.addWidget(self.description)
        split.setSizes([400, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(split)
        self.search.textChanged.connect(self.filter)
        self.tree.currentItemChanged.connect(self._show_description)
        self.tree.itemDoubleClicked.connect(self._double_clicked)
        self._populate()

    def _populate(self) -> None:
        self.tree.clear()
        self.items: dict[str, QTreeWidgetItem] = {}
        for category, types in self.catalog.categories().items():
            if category in self.hidden:
                continue
            parent = QTreeWidgetItem(self.tree, [category])
            parent.setFlags(Qt.ItemIsEnabled)
            for t in types:
                child = QTreeWidgetItem(parent, [t.name])
                child.setData(0, TYPE_ROLE, t.type_id)
                child.setToolTip(0, t.description)
                self.items[t.type_id] = child
        self.tree.expandAll()

    def filter(self, query: str) -> None:
        first = None
        for i in range(self.tree.topLevelItemCount()):
            cat = self.tree.topLevelItem(i)
            shown = 0
            for j in range(cat.childCount()):
                child = cat.child(j)
                ok = matches(self.catalog.get(child.data(0, TYPE_ROLE)), query)
                child.setHidden(not ok)
                shown += ok
                if ok and first is None:
                    first = child
            cat.setHidden(shown == 0)
        if first is not None:
            self.tree.setCurrentItem(first)

    def visible_type_ids(self) -> list[str]:
        return [
            tid
            for tid, item in self.items.items()
            if not item.isHidden() and not item.parent().isHidden()
        ]

    def _show_description(self, item: QTreeWidgetItem | None, _prev=None) -> None:
        type_id = item.data(0, TYPE_ROLE) if item else None
        self.description.setHtml(describe_html(self.catalog.get(type_id)) if type_id else "")

    def _double_clicked(self, item: QTreeWidgetItem, _col: int) -> None:
        type_id = item.data(0, TYPE_ROLE)
        if type_id:
            self.add_requested.emit(type_id)
