"""Every edit of the workflow as a QUndoCommand that calls the Workflow API.

A command captures what it needs to undo itself; a command built from an edit the
user already made on the canvas (a move, a wire) is created *applied*, so its first
redo does nothing.
"""

from __future__ import annotations

import copy
from typing import Any

from PySide6.QtGui import QUndoCommand

from studio.core import NodeState, Workflow
from studio.core.parameters import Parameter, reference
from studio.core.records import NodeRecord, PlacedNode
from studio.core.workflow import Annotation, Link, new_id


class _Command(QUndoCommand):
    def __init__(self, wf: Workflow, text: str, applied: bool = False):
        super().__init__(text)
        self.wf = wf
        self._skip_redo = applied

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.do()

    def do(self) -> None:
        raise NotImplementedError  # abstract

    def apply_now(self) -> QUndoCommand:
        """Apply the edit at once (raising the core's refusal, if any) before it is pushed."""
        self.do()
        self._skip_redo = True
        return self


def _placed(wf: Workflow, nid: str) -> PlacedNode:
    return NodeRecord.of(wf.node(nid)), wf.layout.get(nid)


def _insert(
    wf: Workflow, nodes: list[PlacedNode], links: list[Link], annotations: list[Annotation]
) -> None:
    """Put recorded nodes back exactly, then their wires and annotations."""
    for record, position in nodes:
        wf.restore_node(record, position)
    for lk in links:
        wf.connect(lk.source, lk.source_port, lk.target, lk.target_port)
    for a in annotations:
        wf.add_annotation(a.text, a.x, a.y, a.width, a.height, id=a.id)


class AddNodeCommand(_Command):
    def __init__(
        self,
        wf: Workflow,
        type_id: str,
        position: tuple[float, float],
        label: str | None = None,
        settings: dict | None = None,
    ):
        super().__init__(wf, f"Add {wf.catalog.get(type_id).name}")
        self.type_id, self.position, self.label, self.settings = type_id, position, label, settings
        self.node_id = new_id()

    def do(self) -> None:
        self.wf.add_node(
            self.type_id, self.label, self.settings, id=self.node_id, position=self.position
        )

    def undo(self) -> None:
        self.wf.remove_node(self.node_id)


class RemoveCommand(_Command):
    """Delete nodes, wires and annotations; undo brings back every wire that touched them."""

    def __init__(
        self,
        wf: Workflow,
        node_ids: list[str],
        links: list[Link] = (),
        annotation_ids: list[str] = (),
    ):
        super().__init__(wf, "Delete")
        nodes = set(node_ids)
        self.records = [_placed(wf, n) for n in node_ids]
        self.links = list(
            dict.fromkeys(
                [*links, *(lk for lk in wf.links if lk.source in nodes or lk.target in nodes)]
            )
        )
        self.annotations = [
            copy.copy(wf.annotations[a]) for a in annotation_ids if a in wf.annotations
        ]

    def do(self) -> None:
        for lk in self.links:
            if (
                lk.target in self.wf.graph
                and self.wf.inputs_of(lk.target).get(lk.target_port) == lk
            ):
                self.wf.disconnect(lk.target, lk.target_port)
        for record, _ in self.records:
            self.wf.remove_node(record.id)
        for ann in self.annotations:
            self.wf.remove_annotation(ann.id)

    def undo(self) -> None:
        _insert(self.wf, self.records, self.links, self.annotations)


class MoveCommand(_Command):
    """Positions of nodes (and annotations) before and after a drag or an auto layout."""

    def __init__(
        self,
        wf: Workflow,
        moves: dict[str, tuple[tuple[float, float], tuple[float, float]]],
        text: str = "Move",
        applied: bool = False,
    ):
        super().__init__(wf, text, applied)
        self.moves = moves
        if applied:  # the canvas already shows the new positions; record them in the model
            self._apply(1)

    def _apply(self, which: int) -> None:
        for key, pair in self.moves.items():
            x, y = pair[which]
            if key in self.wf.annotations:
                a = self.wf.annotations[key]
                self.wf.add_annotation(a.text, x, y, a.width, a.height, id=a.id)
            elif key in self.wf.graph:
                self.wf.move_node(key, x, y)

    def do(self) -> None:
        self._apply(1)

    def undo(self) -> None:
        self._apply(0)


class ConnectCommand(_Command):
    """A wire; connecting an input that already has one replaces it, and undo restores it."""

    def __init__(self, wf: Workflow, src: str, src_port: str, dst: str, dst_port: str):
        super().__init__(wf, "Connect")
        self.args = (src, src_port, dst, dst_port)
        self.replaced = wf.inputs_of(dst).get(dst_port)
        self.link: Link | None = None

    def do(self) -> None:
        self.link = self.wf.connect(*self.args)

    def undo(self) -> None:
        self.wf.disconnect(self.args[2], self.args[3])
        if self.replaced is not None:
            r = self.replaced
            self.wf.connect(r.source, r.source_port, r.target, r.target_port)


class SetSettingsCommand(_Command):
    def __init__(self, wf: Workflow, node_id: str, new: dict[str, Any]):
        super().__init__(wf, f"Configure {wf.node(node_id).label}")
        self.node_id = node_id
        self.old = copy.deepcopy(wf.node(node_id).settings)
        self.new = copy.deepcopy(new)

    def do(self) -> None:
        self.wf.set_settings(self.node_id, self.new)

    def undo(self) -> None:
        self.wf.set_settings(self.node_id, self.old)


class RenameCommand(_Command):
    def __init__(self, wf: Workflow, node_id: str, label: str):
        super().__init__(wf, "Rename")
        self.node_id, self.old, self.new = node_id, wf.node(node_id).label, label

    def do(self) -> None:
        self.wf.rename_node(self.node_id, self.new)

    def undo(self) -> None:
        self.wf.rename_node(self.node_id, self.old)


class AnnotationCommand(_Command):
    """Add (old None), edit, or remove (new None) one text annotation."""

    def __init__(
        self, wf: Workflow, old: Annotation | None, new: Annotation | None, text: str = "Annotation"
    ):
        super().__init__(wf, text)
        self.old, self.new = copy.copy(old), copy.copy(new)

    @staticmethod
    def _put(wf: Workflow, ann: Annotation | None, other: Annotation | None) -> None:
        if ann is None:
            wf.remove_annotation(other.id)
        else:
            wf.add_annotation(ann.text, ann.x, ann.y, ann.width, ann.height, id=ann.id)

    def do(self) -> None:
        self._put(self.wf, self.new, self.old)

    def undo(self) -> None:
        self._put(self.wf, self.old, self.new)


class PasteCommand(_Command):
    """Insert a fragment (nodes with fresh ids, their inner wires, annotations)."""

    def __init__(
        self,
        wf: Workflow,
        nodes: list[PlacedNode],
        links: list[Link],
        annotations: list[Annotation],
    ):
        super().__init__(wf, "Paste")
        self.nodes, self.links, self.annotations = nodes, links, annotations

    def do(self) -> None:
        _insert(self.wf, self.nodes, self.links, self.annotations)

    def undo(self) -> None:
        for record, _ in self.nodes:
            self.wf.remove_node(record.id)
        for a in self.annotations:
            self.wf.remove_annotation(a.id)


def _references(value: Any) -> set[str]:
    """The parameter names a (nested) settings value refers to as `$name`."""
    if isinstance(value, dict):
        return set().union(*(_references(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value))
    name = reference(value)
    return {name} if name else set()


class ParametersCommand(_Command):
    """Replace the workflow parameters as a whole (the panel edits a copy)."""

    def __init__(self, wf: Workflow, new: dict[str, Parameter]):
        super().__init__(wf, "Edit parameters")
        self.old = copy.deepcopy(wf.parameters)
        self.new = copy.deepcopy(new)

    def _set(self, params: dict[str, Parameter]) -> None:
        before = {n: (p.type, p.value) for n, p in self.wf.parameters.items()}
        for name in list(self.wf.parameters):
            if name not in params:
                self.wf.remove_parameter(name)
        for p in params.values():
            self.wf.add_parameter(p.name, p.type, p.value, p.description)
        after = {n: (p.type, p.value) for n, p in self.wf.parameters.items()}
        changed = {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}
        # results computed with the old value are stale: the node's light and its viewers
        # must not keep showing them as current
        for inst in list(self.wf.nodes):
            if changed & _references(inst.settings) and self.wf.state(inst.id) in (
                NodeState.EXECUTED,
                NodeState.FAILED,
            ):
                self.wf.reset(inst.id)

    def do(self) -> None:
        self._set(self.new)

    def undo(self) -> None:
        self._set(self.old)


def _snapshot(wf: Workflow) -> tuple[dict[str, PlacedNode], set[Link], dict[str, Any]]:
    nodes = {n.id: (NodeRecord.of(n), wf.layout.get(n.id)) for n in wf.nodes}
    return nodes, set(wf.links), dict(wf.components)


class GraphEditCommand(_Command):
    """An edit a core function makes to many nodes at once (create or expand a component,
    update or edit one): redo and undo swap exactly the nodes, wires and component
    definitions it changed, so every other node keeps its results."""

    def __init__(self, wf: Workflow, text: str, edit: Any):
        super().__init__(wf, text)
        self.edit = edit
        self.result: Any = None
        self._states: tuple | None = None

    def do(self) -> None:
        if self._states is None:
            before = _snapshot(self.wf)
            self.result = self.edit(self.wf)
            self._states = (before, _snapshot(self.wf))
        else:
            self._swap(*self._states)

    def undo(self) -> None:
        self._swap(self._states[1], self._states[0])

    def _swap(self, now: tuple, then: tuple) -> None:
        (nodes, links, defs), (want_nodes, want_links, want_defs) = now, then
        gone = [n for n in nodes if n not in want_nodes or nodes[n][0] != want_nodes[n][0]]
        back = [n for n in want_nodes if n not in nodes or nodes[n][0] != want_nodes[n][0]]
        for lk in links - want_links:
            if (
                lk.target in self.wf.graph
                and self.wf.inputs_of(lk.target).get(lk.target_port) == lk
            ):
                self.wf.disconnect(lk.target, lk.target_port)
        for nid in gone:
            self.wf.remove_node(nid)
        for cid, definition in want_defs.items():
            if defs.get(cid) is not definition:
                self.wf.define_component(definition)
        for nid in back:
            self.wf.restore_node(*want_nodes[nid])
        for lk in want_links - links:
            self.wf.connect(lk.source, lk.source_port, lk.target, lk.target_port)
        for nid, (_, pos) in want_nodes.items():
            if nid not in back and pos is not None and nodes[nid][1] != pos:
                self.wf.move_node(nid, *pos)
