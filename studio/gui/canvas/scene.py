"""The scene mirrors the document's workflow: it builds items from core events and
turns mouse gestures (drops, wire drags, moves, deletes) into undoable commands."""

from __future__ import annotations

import networkx as nx
from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QGraphicsScene

from studio.core import (
    AnnotationChanged,
    Connected,
    Disconnected,
    Event,
    GraphError,
    NodeAdded,
    NodeMoved,
    NodeRemoved,
    NodeRenamed,
    Progress,
    StateChanged,
)
from studio.core.workflow import Annotation, Link, new_id

from .. import commands
from ..document import Document
from .annotation_item import AnnotationItem
from .node_item import NodeItem
from .port_item import PortItem
from .style import NODE_HEIGHT, NODE_WIDTH
from .wire_item import DraftWire, WireItem

NODE_MIME = "application/x-knotwork-node-type"


def insertion_ports(node_type, link: Link, wf) -> tuple[str, str] | None:
    """(input, output) of a node type that fit a wire's type, to insert it there; None when
    it has no input or no output of that type."""
    kind = next(p.type for p in wf.node_type(link.source).outputs if p.name == link.source_port)
    inp = next((p.name for p in node_type.inputs if p.type == kind), None)
    out = next((p.name for p in node_type.outputs if p.type == kind), None)
    return (inp, out) if inp and out else None


class WorkflowScene(QGraphicsScene):
    message = Signal(str)  # a refusal or a hint for the status bar and console
    node_activated = Signal(str)  # double-click on a node body: configure it
    port_activated = Signal(str, int)  # double-click on an output port: view it
    context_requested = Signal(str, object)  # node id ("" for background), screen position

    def __init__(self, document: Document, parent=None):
        super().__init__(parent)
        self.document = document
        self.nodes: dict[str, NodeItem] = {}
        self.wires: dict[Link, WireItem] = {}
        self.annotations: dict[str, AnnotationItem] = {}
        self._draft: DraftWire | None = None
        self._press_positions: dict[object, QPointF] = {}
        self._refusal = ""  # shown by the view's notice bar until dismissed
        self._hot_wire: WireItem | None = None  # the wire a drop would insert into
        self.setSceneRect(-2000, -2000, 6000, 4000)
        self.setItemIndexMethod(
            QGraphicsScene.NoIndex
        )  # items move often; a BSP index costs more than it saves
        document.changed.connect(self.on_event)
        document.replaced.connect(self.rebuild)
        document.configured.connect(self.refresh_states)
        self.rebuild()

    @property
    def wf(self):
        return self.document.workflow

    # ---- model → items ---------------------------------------------------------------
    def rebuild(self) -> None:
        for item in [*self.nodes.values(), *self.wires.values(), *self.annotations.values()]:
            self.removeItem(item)
        self.nodes.clear()
        self.wires.clear()
        self.annotations.clear()
        for inst in self.wf.nodes:
            self._add_node_item(inst.id)
        for link in self.wf.links:
            self._add_wire(link)
        for ann in self.wf.annotations.values():
            self._add_annotation(ann)
        self.refresh_states()

    def _add_node_item(self, nid: str) -> NodeItem:
        inst = self.wf.node(nid)
        item = NodeItem(nid, self.wf.catalog.get(inst.type_id), inst.label)
        x, y = self.wf.layout.get(nid, (0.0, 0.0))
        item.setPos(x, y)
        item.label_item.committed.connect(lambda text, n=nid: self._rename(n, text))
        item.label_item.setDefaultTextColor(self.palette().color(QPalette.Text))
        self.addItem(item)
        self.nodes[nid] = item
        item.set_state(self.wf.state(nid), self.wf.error(nid) or "")
        return item

    def _add_wire(self, link: Link) -> None:
        src, dst = self.nodes.get(link.source), self.nodes.get(link.target)
        if src is None or dst is None:
            return
        sp = next(p for p in src.outputs if p.port.name == link.source_port)
        dp = next(p for p in dst.inputs if p.port.name == link.target_port)
        wire = WireItem(link, sp, dp)
        src.wires.append(wire)
        dst.wires.append(wire)
        self.addItem(wire)
        self.wires[link] = wire

    def _remove_wire(self, link: Link) -> None:
        wire = self.wires.pop(link, None)
        if wire is None:
            return
        for nid in (link.source, link.target):
            item = self.nodes.get(nid)
            if item is not None and wire in item.wires:
                item.wires.remove(wire)
        self.removeItem(wire)

    def _add_annotation(self, ann: Annotation) -> None:
        item = AnnotationItem(ann)
        item.text_committed.connect(self._edit_annotation_text)
        self.addItem(item)
        self.annotations[ann.id] = item

    def on_event(self, event: Event) -> None:
        nid = getattr(event, "node", None)
        if isinstance(event, NodeAdded) and nid in self.wf.graph:
            self._add_node_item(nid)
        elif isinstance(event, NodeRemoved):
            item = self.nodes.pop(nid, None)
            if item is not None:
                for link in [lk for lk in self.wires if nid in (lk.source, lk.target)]:
                    self._remove_wire(link)
                self.removeItem(item)
        elif isinstance(event, NodeRenamed) and nid in self.nodes:
            self.nodes[nid].set_label(self.wf.node(nid).label)
        elif isinstance(event, NodeMoved) and nid in self.nodes:
            x, y = self.wf.layout.get(nid, (0.0, 0.0))
            if (self.nodes[nid].pos().x(), self.nodes[nid].pos().y()) != (x, y):
                self.nodes[nid].setPos(x, y)
        elif isinstance(event, Connected):
            self._add_wire(event.link)
        elif isinstance(event, Disconnected):
            self._remove_wire(event.link)
        elif isinstance(event, AnnotationChanged):
            aid = event.annotation
            ann = self.wf.annotations.get(aid)
            if ann is None:
                item = self.annotations.pop(aid, None)
                if item is not None:
                    self.removeItem(item)
            elif aid in self.annotations:
                self.annotations[aid].update_from(ann)
            else:
                self._add_annotation(ann)
        elif isinstance(event, StateChanged) and nid in self.nodes:
            self.nodes[nid].set_state(event.state, event.message)
        elif isinstance(event, Progress) and nid in self.nodes:
            self.nodes[nid].set_progress(event.fraction)

    def refresh_states(self, report=None) -> None:
        for nid, item in self.nodes.items():
            if nid in self.wf.graph:
                item.set_state(self.wf.state(nid), self.wf.error(nid) or "")

    # ---- selection helpers -----------------------------------------------------------
    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_annotation_ids(self) -> list[str]:
        return [i.ann_id for i in self.selectedItems() if isinstance(i, AnnotationItem)]

    def selected_links(self) -> list[Link]:
        return [i.link for i in self.selectedItems() if isinstance(i, WireItem)]

    def highlight(self, ids: set[str]) -> None:
        """Mark a set of nodes (a deployment's capture scope); an empty set clears it."""
        for nid, item in self.nodes.items():
            item.set_highlighted(nid in ids)

    def select_nodes(self, ids: list[str]) -> None:
        self.clearSelection()
        for nid in ids:
            if nid in self.nodes:
                self.nodes[nid].setSelected(True)

    def event(self, event) -> bool:
        if event.type() == QEvent.PaletteChange:
            for item in self.nodes.values():
                item.label_item.setDefaultTextColor(self.palette().color(QPalette.Text))
        return super().event(event)

    # ---- edits -----------------------------------------------------------------------
    def add_node(self, type_id: str, center: QPointF) -> str | None:
        """Add a node centred there; dropped on a wire, it is wired into it (as in KNIME)."""
        if self.document.running:
            return self.refuse("the workflow is running: wait or cancel before adding nodes")
        cmd = commands.AddNodeCommand(
            self.wf, type_id, (center.x() - NODE_WIDTH / 2, center.y() - NODE_HEIGHT / 2)
        )
        wire = self.wire_at(center)
        ports = insertion_ports(self.wf.catalog.get(type_id), wire.link, self.wf) if wire else None
        if ports is None:
            return cmd.node_id if self.document.push(cmd) else None
        stack = self.document.undo_stack
        stack.beginMacro(f"Insert {self.wf.catalog.get(type_id).name}")
        self.document.push(cmd)
        self._wire_in(cmd.node_id, wire.link, *ports)
        stack.endMacro()
        return cmd.node_id

    def add_connected(self, type_id: str, after: str) -> str | None:
        """Add a node to the right of `after`, wired from its first fitting output."""
        if self.document.running:
            return self.refuse("the workflow is running: wait or cancel before adding nodes")
        src_type, new_type = self.wf.node_type(after), self.wf.catalog.get(type_id)
        x, y = self.wf.layout.get(after, (0.0, 0.0))
        pair = next(
            (
                (o.name, i.name)
                for i in new_type.inputs
                for o in src_type.outputs
                if o.type == i.type
            ),
            None,
        )
        cmd = commands.AddNodeCommand(self.wf, type_id, (x + NODE_WIDTH + 70, y))
        if pair is None:
            ok = self.document.push(cmd)
            if ok:
                self.refuse(
                    f"added {new_type.name} unconnected: no output of "
                    f"“{self.wf.node(after).label}” fits any of its inputs"
                )
            return cmd.node_id if ok else None
        stack = self.document.undo_stack
        stack.beginMacro(f"Add {new_type.name} after {self.wf.node(after).label}")
        self.document.push(cmd)
        self.document.push(
            commands.ConnectCommand(self.wf, after, pair[0], cmd.node_id, pair[1]).apply_now()
        )
        stack.endMacro()
        return cmd.node_id

    def wire_at(self, pos: QPointF) -> WireItem | None:
        return next((i for i in self.items(pos) if isinstance(i, WireItem)), None)

    def _wire_in(self, nid: str, link: Link, in_port: str, out_port: str) -> None:
        """Put node `nid` on a wire: source → node → target (the old wire goes)."""
        self.document.push(
            commands.ConnectCommand(
                self.wf, link.source, link.source_port, nid, in_port
            ).apply_now()
        )
        self.document.push(
            commands.ConnectCommand(
                self.wf, nid, out_port, link.target, link.target_port
            ).apply_now()
        )

    def delete_selection(self) -> bool:
        nodes, links, anns = (
            self.selected_node_ids(),
            self.selected_links(),
            self.selected_annotation_ids(),
        )
        if not (nodes or links or anns):
            return False
        if self.document.running:
            return self.refuse("the workflow is running: cancel it or wait before deleting")
        return self.document.push(commands.RemoveCommand(self.wf, nodes, links, anns))

    def add_annotation(self, pos: QPointF, text: str = "Double-click to edit this note") -> None:
        ann = Annotation(new_id(), text, pos.x(), pos.y(), 220, 80)
        self.document.push(commands.AnnotationCommand(self.wf, None, ann, "Add annotation"))

    def _edit_annotation_text(self, ann_id: str, text: str) -> None:
        old = self.wf.annotations.get(ann_id)
        if old is not None and old.text != text:
            new = Annotation(old.id, text, old.x, old.y, old.width, old.height)
            self.document.push(commands.AnnotationCommand(self.wf, old, new, "Edit annotation"))

    def _rename(self, nid: str, text: str) -> None:
        if nid in self.wf.graph and not self.document.push(
            commands.RenameCommand(self.wf, nid, text)
        ):
            self.nodes[nid].set_label(self.wf.node(nid).label)

    def connect_ports(self, a: PortItem, b: PortItem) -> bool:
        """Wire two ports (either order); show the core's reason when it refuses."""
        if a.is_output == b.is_output:
            return self.refuse(
                "connect an output port (right side) to an input port (left side)", b.scenePos()
            )
        out, inp = (a, b) if a.is_output else (b, a)
        if self.document.running:
            return self.refuse(
                "the workflow is running: wait or cancel before editing", inp.scenePos()
            )
        cmd = commands.ConnectCommand(
            self.wf, out.node_id, out.port.name, inp.node_id, inp.port.name
        )
        try:
            cmd.apply_now()
        except GraphError as exc:
            return self.refuse(str(exc), inp.scenePos())
        self.document.push(cmd)
        return True

    def refuse(self, reason: str, where: QPointF | None = None) -> bool:
        """Say why an edit was refused; the view shows it until the user dismisses it."""
        self._refusal = reason
        self.message.emit(reason)
        return False

    def dismiss_refusal(self) -> None:
        self._refusal = ""

    @property
    def refusal(self) -> str:
        return self._refusal

    # ---- mouse -----------------------------------------------------------------------
    def _port_under(self, pos: QPointF) -> PortItem | None:
        for item in self.items(pos):
            if isinstance(item, PortItem):
                return item
        for item in self.items(pos):
            if isinstance(item, NodeItem):
                return item.port_at(pos)
        return None

    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton:
            port = self._port_under(event.scenePos())
            if port is not None:
                self._draft = DraftWire(port)
                self.addItem(self._draft)
                self._draft.follow(event.scenePos())
                self._mark_candidates(port)
                event.accept()
                return
        super().mousePressEvent(event)
        self._press_positions = {
            item: item.pos()
            for item in self.selectedItems()
            if isinstance(item, (NodeItem, AnnotationItem))
        }

    def mouseMoveEvent(self, event) -> None:
        if self._draft is not None:
            self._draft.follow(event.scenePos())
            event.accept()
            return
        super().mouseMoveEvent(event)
        if event.buttons() & Qt.LeftButton and len(self._press_positions) == 1:
            (item,) = self._press_positions
            if isinstance(item, NodeItem):
                self._set_hot_wire(self._insertable_wire(item))

    def _set_hot_wire(self, wire: WireItem | None) -> None:
        if wire is not self._hot_wire:
            if self._hot_wire is not None:
                self._hot_wire.set_hot(False)
            if wire is not None:
                wire.set_hot(True)
            self._hot_wire = wire

    def _insertable_wire(self, item: NodeItem) -> WireItem | None:
        """The wire an unconnected node being dragged would be inserted into, if any."""
        if item.wires:
            return None
        wire = self.wire_at(item.sceneBoundingRect().center())
        if wire is None or insertion_ports(item.node_type, wire.link, self.wf) is None:
            return None
        return wire

    def mouseReleaseEvent(self, event) -> None:
        if self._draft is not None:
            start = self._draft.port_item
            self.removeItem(self._draft)
            self._draft = None
            self._mark_candidates(None)
            target = self._port_under(event.scenePos())
            if target is None:
                target = self._first_fitting_port(start, event.scenePos())
            if target is not None and target is not start:
                self.connect_ports(start, target)
            event.accept()
            return
        super().mouseReleaseEvent(event)
        self._commit_moves()
        if self._hot_wire is not None:
            self._hot_wire.set_hot(False)
            self._hot_wire = None

    def candidate_ports(self, start: PortItem) -> list[PortItem]:
        """The ports a wire dragged from `start` may end on: the other side, the same type,
        on nodes it would not close a cycle with."""
        graph = self.wf.graph
        if start.is_output:
            barred = {start.node_id, *nx.ancestors(graph, start.node_id)}
        else:
            barred = {start.node_id, *nx.descendants(graph, start.node_id)}
        out = []
        for nid, node in self.nodes.items():
            if nid in barred:
                continue
            for port in node.inputs if start.is_output else node.outputs:
                if port.port.type == start.port.type:
                    out.append(port)
        return out

    def _mark_candidates(self, start: PortItem | None) -> None:
        """Highlight the compatible ports while a wire is dragged (None clears them)."""
        wanted = set(self.candidate_ports(start)) if start is not None else set()
        for node in self.nodes.values():
            for port in (*node.inputs, *node.outputs):
                port.set_candidate(port in wanted)

    def _first_fitting_port(self, start: PortItem, pos: QPointF) -> PortItem | None:
        """Dropping a wire on a node body picks its first port of the same type."""
        node = next((i for i in self.items(pos) if isinstance(i, NodeItem)), None)
        if node is None or node.node_id == start.node_id:
            return None
        candidates = node.inputs if start.is_output else node.outputs
        same = [p for p in candidates if p.port.type == start.port.type]
        if not same:
            return candidates[0] if candidates else None  # let the core explain the type mismatch
        if start.is_output:
            free = [p for p in same if p.port.name not in self.wf.inputs_of(node.node_id)]
            return (free or same)[0]
        return same[0]

    def _commit_moves(self) -> None:
        moves, pressed = {}, self._press_positions
        for item, before in pressed.items():
            after = item.pos()
            if item.scene() is self and after != before:
                key = item.node_id if isinstance(item, NodeItem) else item.ann_id
                moves[key] = ((before.x(), before.y()), (after.x(), after.y()))
        self._press_positions = {}
        if not moves:
            return
        move = commands.MoveCommand(self.wf, moves, applied=True)
        wire = self._hot_wire
        if wire is None or self.document.running or len(moves) != 1:
            self.document.push(move, layout_only=True)  # layout only: allowed during a run
            return
        (nid,) = moves
        ports = insertion_ports(self.wf.node_type(nid), wire.link, self.wf)
        stack = self.document.undo_stack
        stack.beginMacro(f"Insert {self.wf.node(nid).label}")
        self.document.push(move)
        self._wire_in(nid, wire.link, *ports)
        stack.endMacro()

    def mouseDoubleClickEvent(self, event) -> None:
        port = self._port_under(event.scenePos())
        if port is not None and port.is_output:
            self.port_activated.emit(port.node_id, port.index)
            event.accept()
            return
        for item in self.items(event.scenePos()):
            if isinstance(item, NodeItem):
                if item.label_item.sceneBoundingRect().contains(event.scenePos()):
                    break  # the label edits itself
                self.node_activated.emit(item.node_id)
                event.accept()
                return
        super().mouseDoubleClickEvent(event)

    def contextMenuEvent(self, event) -> None:
        node = next((i for i in self.items(event.scenePos()) if isinstance(i, NodeItem)), None)
        if node is not None and not node.isSelected():
            self.select_nodes([node.node_id])
        self.context_requested.emit(node.node_id if node else "", event.screenPos())
        event.accept()

    # ---- drops from the node repository ----------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasFormat(NODE_MIME):
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasFormat(NODE_MIME):
            type_id = bytes(event.mimeData().data(NODE_MIME)).decode("utf-8")
            wire = self.wire_at(event.scenePos())
            if wire is not None and (
                type_id not in self.wf.catalog
                or insertion_ports(self.wf.catalog.get(type_id), wire.link, self.wf) is None
            ):
                wire = None
            self._set_hot_wire(wire)
            event.acceptProposedAction()
        else:
            super().dragMoveEvent(event)

    def dropEvent(self, event) -> None:
        if event.mimeData().hasFormat(NODE_MIME):
            type_id = bytes(event.mimeData().data(NODE_MIME)).decode("utf-8")
            self._set_hot_wire(None)
            if type_id in self.wf.catalog:
                self.add_node(type_id, event.scenePos())
                event.acceptProposedAction()
                return
        super().dropEvent(event)

    def dragLeaveEvent(self, event) -> None:
        self._set_hot_wire(None)
        super().dragLeaveEvent(event)
