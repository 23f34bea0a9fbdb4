"""The workflow model: nodes and typed connections on a networkx MultiDiGraph.

Edits go through methods that check the graph rules (port types, no cycles, one wire
per input) and notify observers, so the studio and the runner share one model.
"""

from __future__ import annotations

import copy
import difflib
import functools
import threading
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import networkx as nx

from . import executor, fileformat
from .catalog import Catalog, default_catalog
from .component import ComponentDefinition
from .component_node import define
from .errors import (
    ConfigureError,
    CycleError,
    GraphError,
    KnotworkError,
    ParameterError,
    PortTypeError,
)
from .events import (
    AnnotationChanged,
    Connected,
    Disconnected,
    Event,
    NodeAdded,
    NodeMoved,
    NodeRemoved,
    NodeRenamed,
    ParametersChanged,
    Saved,
    SettingChanged,
    StateChanged,
)
from .node import ExecutionContext, NodeType
from .parameters import Parameter, coerce, reference
from .records import NodeRecord
from .runstate import NodeState, RunState

if TYPE_CHECKING:
    from .workers import NodeWorkers


@dataclass
class NodeInstance:
    id: str
    type_id: str
    version: int
    label: str
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Link:
    source: str
    source_port: str
    target: str
    target_port: str


@dataclass
class Annotation:
    id: str
    text: str
    x: float = 0.0
    y: float = 0.0
    width: float = 200.0
    height: float = 80.0


def _refers_to(settings: Any, name: str) -> bool:
    """Whether (nested) settings reference the workflow parameter `name` as `$name`."""
    if isinstance(settings, dict):
        return any(_refers_to(v, name) for v in settings.values())
    if isinstance(settings, list):
        return any(_refers_to(v, name) for v in settings)
    return reference(settings) == name


def new_id() -> str:
    return uuid.uuid4().hex[:8]


class Workflow:
    """A workflow graph plus its parameters, annotations and layout."""

    def __init__(self, catalog: Catalog | None = None, name: str = ""):
        self.catalog = catalog or default_catalog()
        self.name = name
        self.description = ""
        self.graph = nx.MultiDiGraph()
        self.parameters: dict[str, Parameter] = {}
        self.annotations: dict[str, Annotation] = {}
        self.layout: dict[str, tuple[float, float]] = {}
        self.path: Path | None = None
        self.load_warnings: list[str] = []
        self._observers: list[Callable[[Event], None]] = []
        # The last configure and run of each node: state, error, cached outputs.
        self.run_state = RunState()
        # The components the nodes may be instances of, and (inside one) what it is fed.
        self.components: dict[str, ComponentDefinition] = {}
        self.feeds: dict[str, Any] = {}

    # ---- construction and persistence -----------------------------------------------
    @classmethod
    def new(cls, name: str = "", catalog: Catalog | None = None) -> Workflow:
        return cls(catalog, name)

    @classmethod
    def load(cls, path: str | Path, catalog: Catalog | None = None) -> Workflow:
        wf = cls(catalog)
        fileformat.load_into(wf, path)
        return wf

    @classmethod
    def loads(
        cls, text: str | bytes, source: str = "<string>", catalog: Catalog | None = None
    ) -> Workflow:
        """A workflow from the text of a workflow file; `source` names it in errors."""
        wf = cls(catalog)
        fileformat.read_into(wf, text, source)
        return wf

    def save(self, path: str | Path | None = None) -> Path:
        target = Path(path) if path is not None else self.path
        if target is None:
            raise GraphError("the workflow has never been saved: give a path")
        fileformat.save_workflow(self, target)
        self.path = target
        self.emit(Saved(str(target)))
        return target

    def to_dict(self) -> dict[str, Any]:
        return fileformat.workflow_to_dict(self)

    def define_component(self, definition: ComponentDefinition) -> None:
        """Add (or replace) a component definition: a node type of this workflow only."""
        define(self, definition)

    # ---- observers ------------------------------------------------------------------
    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        self._observers.append(callback)
        return lambda: self._observers.remove(callback)

    def emit(self, event: Event) -> None:
        """Tell every observer (the executor reports run events through here too)."""
        for cb in list(self._observers):
            cb(event)

    # ---- lookups --------------------------------------------------------------------
    @property
    def nodes(self) -> list[NodeInstance]:
        return [self.graph.nodes[n]["node"] for n in self.graph.nodes]

    def node(self, ref: str | NodeInstance) -> NodeInstance:
        """A node by id or by label."""
        if isinstance(ref, NodeInstance):
            ref = ref.id
        if ref in self.graph:
            return self.graph.nodes[ref]["node"]
        matches = [n for n in self.nodes if n.label == ref]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise GraphError(
                f"more than one node is labelled {ref!r}: use its id ({', '.join(m.id for m in matches)})"
            )
        labels = [n.label for n in self.nodes]
        close = difflib.get_close_matches(str(ref), labels, n=1, cutoff=0.6)
        hint = (
            f"did you mean {close[0]!r}?"
            if close
            else f"labels here: {', '.join(labels[:12])}{', …' if len(labels) > 12 else ''}"
            if labels
            else "the workflow has no nodes"
        )
        raise GraphError(f"no node with id or label {ref!r}: {hint}")

    def node_type(self, ref: str | NodeInstance) -> type[NodeType]:
        return self.catalog.get(self.node(ref).type_id)

    @property
    def links(self) -> list[Link]:
        return [d["link"] for _, _, d in self.graph.edges(data=True)]

    def inputs_of(self, ref: str) -> dict[str, Link]:
        nid = self.node(ref).id
        return {d["link"].target_port: d["link"] for _, _, d in self.graph.in_edges(nid, data=True)}

    def outputs_of(self, ref: str) -> list[Link]:
        nid = self.node(ref).id
        return [d["link"] for _, _, d in self.graph.out_edges(nid, data=True)]

    # ---- edits ----------------------------------------------------------------------
    def add_node(
        self,
        type_id: str,
        label: str | None = None,
        settings: dict[str, Any] | None = None,
        *,
        id: str | None = None,
        position: tuple[float, float] | None = None,
    ) -> NodeInstance:
        node_type = self.catalog.get(type_id)
        nid = id or new_id()
        if nid in self.graph:
            raise GraphError(f"a node with id {nid!r} already exists")
        defaults = node_type.Settings().model_dump(mode="json")
        merged = {**defaults, **(copy.deepcopy(settings) or {})}
        inst = NodeInstance(
            nid, type_id, node_type.version, self._unique_label(label or node_type.name), merged
        )
        self.graph.add_node(nid, node=inst)
        if position is not None:
            self.layout[nid] = (float(position[0]), float(position[1]))
        self._invalidate(nid)
        self.emit(NodeAdded(nid))
        return inst

    def restore_node(
        self, record: NodeRecord, position: tuple[float, float] | None = None
    ) -> NodeInstance:
        """Put a node back exactly as recorded (file, undo, paste, bundle graph): its id,
        label and settings as they are, no defaults merged, no label made unique. The record
        is for the installed version of its type; older ones are migrated first."""
        installed = self.catalog.get(record.type_id).version
        if record.version != installed:
            raise GraphError(
                f'node "{record.label}" is recorded for version {record.version} of '
                f"{record.type_id}, this installation has version {installed}: migrate its settings first"
            )
        inst = self.add_node(
            record.type_id, record.label, record.settings, id=record.id, position=position
        )
        inst.label = record.label
        inst.settings = copy.deepcopy(record.settings)
        return inst

    def _unique_label(self, label: str, exclude: str | None = None) -> str:
        taken = {n.label for n in self.nodes if n.id != exclude}
        if label not in taken:
            return label
        i = 2
        while f"{label} ({i})" in taken:
            i += 1
        return f"{label} ({i})"

    def remove_node(self, ref: str) -> None:
        nid = self.node(ref).id
        downstream = set(nx.descendants(self.graph, nid))
        self.graph.remove_node(nid)
        self.layout.pop(nid, None)
        self.run_state.forget(nid)
        for d in downstream:
            self._invalidate(d)
        self.emit(NodeRemoved(nid))

    def rename_node(self, ref: str, label: str) -> None:
        inst = self.node(ref)
        if not label.strip():
            raise GraphError("a node label cannot be empty")
        inst.label = self._unique_label(label.strip(), exclude=inst.id)
        self.emit(NodeRenamed(inst.id))

    def move_node(self, ref: str, x: float, y: float) -> None:
        nid = self.node(ref).id
        self.layout[nid] = (float(x), float(y))
        self.emit(NodeMoved(nid))

    def _port_index(self, ports: tuple, port: str | int, node: NodeInstance, direction: str) -> int:
        if isinstance(port, int):
            if 0 <= port < len(ports):
                return port
        else:
            for i, p in enumerate(ports):
                if p.name == port:
                    return i
        names = ", ".join(p.name for p in ports) or "none"
        raise GraphError(
            f'node "{node.label}" has no {direction} port {port!r} (its {direction} ports: {names})'
        )

    def connect(self, src: str, src_port: str | int, dst: str, dst_port: str | int) -> Link:
        s, d = self.node(src), self.node(dst)
        st, dt = self.catalog.get(s.type_id), self.catalog.get(d.type_id)
        si = self._port_index(st.outputs, src_port, s, "output")
        di = self._port_index(dt.inputs, dst_port, d, "input")
        op, ip = st.outputs[si], dt.inputs[di]
        if op.type != ip.type:
            raise PortTypeError(
                f'cannot connect "{s.label}".{op.name} ({op.type.value}) to "{d.label}".{ip.name} '
                f"({ip.type.value}): the port types differ"
            )
        if s.id == d.id or nx.has_path(self.graph, d.id, s.id):
            raise CycleError(f'connecting "{s.label}" to "{d.label}" would create a cycle')
        if ip.name in self.inputs_of(d.id):
            self.disconnect(d.id, ip.name)
        link = Link(s.id, op.name, d.id, ip.name)
        self.graph.add_edge(s.id, d.id, key=f"{op.name}->{ip.name}", link=link)
        self._invalidate(d.id)
        self.emit(Connected(link))
        return link

    def disconnect(self, dst: str, dst_port: str | int) -> Link | None:
        d = self.node(dst)
        dt = self.catalog.get(d.type_id)
        name = dt.inputs[self._port_index(dt.inputs, dst_port, d, "input")].name
        link = self.inputs_of(d.id).get(name)
        if link is None:
            return None
        self.graph.remove_edge(
            link.source, link.target, key=f"{link.source_port}->{link.target_port}"
        )
        self._invalidate(d.id)
        self.emit(Disconnected(link))
        return link

    def set_setting(self, ref: str, name: str, value: Any) -> None:
        """Set one setting; a value it can never take is refused at once (ConfigureError
        naming the node and the setting), not when the workflow runs."""
        inst = self.node(ref)
        node_type = self.catalog.get(inst.type_id)
        fields = node_type.Settings.model_fields
        if name not in fields:
            raise GraphError(
                f'node "{inst.label}" has no setting {name!r} (its settings: {", ".join(fields)})'
            )
        try:
            node_type.check_setting(name, value, inst.settings, self.parameter_values())
        except ConfigureError as exc:
            raise exc.for_node(f'node "{inst.label}"') from None
        inst.settings[name] = copy.deepcopy(value)
        self._invalidate(inst.id)
        self.emit(SettingChanged(inst.id, name))

    def set_settings(self, ref: str, settings: dict[str, Any]) -> None:
        inst = self.node(ref)
        inst.settings = copy.deepcopy(settings)
        self._invalidate(inst.id)
        self.emit(SettingChanged(inst.id, None))

    # ---- parameters and annotations -------------------------------------------------
    def add_parameter(
        self, name: str, type: str = "string", value: Any = "", description: str = ""
    ) -> Parameter:
        param = Parameter(name, type, value, description)
        old = self.parameters.get(name)
        self.parameters[name] = param
        if old is None or old.value != param.value or old.type != param.type:
            for inst in self.nodes:  # results computed with the old value are stale now
                if _refers_to(inst.settings, name):
                    self._invalidate(inst.id)
        self.emit(ParametersChanged())
        return param

    def remove_parameter(self, name: str) -> None:
        self.parameters.pop(name, None)
        self.emit(ParametersChanged())

    def parameter_values(self, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        values = {n: p.value for n, p in self.parameters.items()}
        for name, value in (overrides or {}).items():
            if name not in self.parameters:
                known = ", ".join(self.parameters) or "none"
                raise ParameterError(
                    f"unknown parameter {name!r} (this workflow's parameters: {known})"
                )
            values[name] = coerce(name, self.parameters[name].type, value)
        return values

    def add_annotation(
        self,
        text: str,
        x: float = 0,
        y: float = 0,
        width: float = 200,
        height: float = 80,
        id: str | None = None,
    ) -> Annotation:
        ann = Annotation(id or new_id(), text, float(x), float(y), float(width), float(height))
        self.annotations[ann.id] = ann
        self.emit(AnnotationChanged(ann.id))
        return ann

    def remove_annotation(self, ann_id: str) -> None:
        self.annotations.pop(ann_id, None)
        self.emit(AnnotationChanged(ann_id))

    # ---- state ----------------------------------------------------------------------
    def _invalidate(self, nid: str) -> None:
        """Forget the state of a node and everything downstream (KNIME's reset)."""
        for n in {nid, *nx.descendants(self.graph, nid)}:
            if self.run_state.state(n) in (NodeState.EXECUTED, NodeState.FAILED):
                self.run_state.set_state(n, NodeState.CONFIGURED)
                self.emit(StateChanged(n, NodeState.CONFIGURED))

    def reset(self, ref: str | None = None) -> None:
        """Drop cached results for a node and its descendants (or all nodes)."""
        targets = [self.node(ref).id] if ref else list(self.graph.nodes)
        for t in targets:
            for n in {t, *nx.descendants(self.graph, t)}:
                self.run_state.drop_cache(n)
            self._invalidate(t)

    def state(self, ref: str) -> NodeState:
        return self.run_state.state(self.node(ref).id)

    def error(self, ref: str) -> str | None:
        return self.run_state.error(self.node(ref).id)

    def output(self, ref: str, port: int | str = 0) -> Any:
        """The last computed output of a node, or None when it has not run."""
        inst = self.node(ref)
        outputs = self.run_state.outputs(inst.id)
        if outputs is None:
            return None
        outs = self.catalog.get(inst.type_id).outputs
        idx = self._port_index(outs, port, inst, "output")
        return outputs[idx]

    # ---- lifecycle ------------------------------------------------------------------
    def node_context(
        self,
        ref: str,
        parameters: dict[str, Any] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        cancel: threading.Event | None = None,
        on_warning: Callable[[str], None] | None = None,
    ) -> ExecutionContext:
        """What a node of this workflow gets to configure or run: relative paths resolve
        against the workflow file's folder, node types come from this workflow's catalogue."""
        inst = self.node(ref)
        return ExecutionContext(
            inst.id,
            inst.label,
            parameters,
            on_progress=on_progress,
            cancel=cancel,
            base_dir=str(self.path.parent) if self.path else None,
            catalog=self.catalog,
            on_warning=on_warning,
            feeds=self.feeds,
        )

    def configure(self, parameters: dict[str, Any] | None = None) -> executor.ConfigureReport:
        """Propagate specs through the graph without data (see `executor.configure_workflow`)."""
        return executor.configure_workflow(self, self.parameter_values(parameters))

    def run(
        self,
        parameters: dict[str, Any] | None = None,
        jobs: int = 1,
        targets: list[str] | None = None,
        on_event: Callable[[Event], None] | None = None,
        cancel: threading.Event | None = None,
        workers: NodeWorkers | None = None,
        cluster: Any = None,
    ) -> executor.RunResult:
        """Run the workflow (or what `targets` need), reusing unchanged results.

        `workers` runs long-running nodes in their own processes, which a cancel ends at once
        (see `studio.core.workers`). `cluster` hands work to a cluster through the
        backend `use_cluster_backend` installed (Dask's: "local", "local:N",
        "tcp://HOST:8786", a `studio.scale.Cluster`, a `distributed.Client` or a
        `LocalCluster`); it is reached before anything runs; long-running nodes run there
        as tasks, the others here with their joblib work (n_jobs) there."""
        values = self.parameter_values(parameters)
        run = functools.partial(
            executor.run_workflow,
            self,
            values,
            jobs=jobs,
            targets=targets,
            on_event=on_event,
            cancel=cancel,
            workers=workers,
        )
        if cluster is None:
            return run()
        if _open_cluster is None:
            raise KnotworkError(
                f"cluster={cluster!r}: no cluster backend is installed (import studio first)"
            )
        with _open_cluster(cluster) as backend:
            return run(cluster=backend)


ClusterOpener = Callable[[Any], AbstractContextManager["executor.ClusterBackend"]]
_open_cluster: ClusterOpener | None = None


def use_cluster_backend(opener: ClusterOpener) -> None:
    """Install how `Workflow.run(cluster=...)` reaches a cluster: `opener(cluster)` gives a
    context manager yielding a `ClusterBackend`. The `studio` package installs Dask's."""
    global _open_cluster
    _open_cluster = opener
