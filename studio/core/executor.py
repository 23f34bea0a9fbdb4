"""Configure and run a workflow.

`configure_workflow` propagates specs through the graph without data, so a wrong
setting is reported before anything runs. `run_workflow` executes in topological
order, reuses each node's last output when its cache key (type, version, settings,
parameters used, input keys) is unchanged, runs independent branches concurrently,
and isolates failures: a failed node's descendants wait, other branches finish.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import TYPE_CHECKING, Any, Protocol

import networkx as nx
import pandas as pd

from .errors import CancelledError, ConfigureError, KnotworkError, ParameterError
from .events import Event, NodeWarning, Progress, RunFinished, RunStarted, StateChanged
from .node import ExecutionContext, NodeType, run_node
from .parameters import resolve
from .ports import VALUE_TYPES
from .runstate import CacheEntry, NodeState

if TYPE_CHECKING:
    from .workers import NodeWorkers
    from .workflow import Workflow

if int(pd.__version__.split(".")[0]) < 3:
    pd.options.mode.copy_on_write = True  # nodes never mutate their inputs (default from pandas 3)
log = logging.getLogger("knotwork.executor")


class ClusterBackend(Protocol):
    """A cluster a run hands work to (studio.scale.Cluster is the one; the core knows it only
    by this shape). Long-running nodes run there as tasks through `run` (the contract of
    `NodeWorkers.run`); any other node runs here inside `node_scope(label)`, which sends its
    joblib work there. `workers` is how many tasks it runs at once."""

    workers: int

    def node_scope(self, label: str) -> contextlib.AbstractContextManager[Any]: ...

    def run(
        self,
        node_type: type[NodeType],
        settings: Any,
        inputs: list[Any],
        ctx: ExecutionContext,
        cancel: threading.Event,
    ) -> tuple[list[Any], Any]: ...


@dataclass
class ConfiguredNode:
    settings: Any
    used_params: set[str]
    input_specs: list[Any]
    output_specs: list[Any]


@dataclass
class ConfigureReport:
    workflow: Workflow
    nodes: dict[str, ConfiguredNode] = field(default_factory=dict)
    errors: dict[str, ConfigureError] = field(default_factory=dict)
    blocked: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.errors

    def problems(self) -> list[str]:
        """One line per problem: `<label>: <setting or port>: <message>`."""
        out = []
        for nid, err in self.errors.items():
            where = f"{err.where}: " if err.where else ""
            out.append(f"{self.workflow.node(nid).label}: {where}{err.message}")
        return out

    def output_specs(self, ref: str) -> list[Any] | None:
        nid = self.workflow.node(ref).id
        node = self.nodes.get(nid)
        return node.output_specs if node else None


def _node_instance(wf: Workflow, nid: str) -> tuple[Any, type[NodeType]]:
    inst = wf.node(nid)
    return inst, wf.catalog.get(inst.type_id)


def _waiting_on(report: ConfigureReport, port: str, source: str) -> str:
    """A connected input held back by its upstream node: say which node is at fault and why."""
    wf = report.workflow
    label = wf.node(source).label
    err = report.errors.get(source)
    if err is not None:
        return f"input port '{port}': waits for “{label}”, which is not configured ({err.detail})"
    roots = [n for n in nx.ancestors(wf.graph, source) if n in report.errors]
    if roots:
        root = wf.node(roots[0]).label
        return (
            f"input port '{port}': waits for “{label}”, held back by “{root}” "
            f"upstream, which is not configured ({report.errors[roots[0]].detail})"
        )
    return f"input port '{port}': waits for “{label}”, which is not configured yet"


def configure_workflow(wf: Workflow, values: dict[str, Any]) -> ConfigureReport:
    report = ConfigureReport(wf)
    for nid in nx.topological_sort(wf.graph):
        inst, node_type = _node_instance(wf, nid)
        links = wf.inputs_of(nid)
        try:
            used: set[str] = set()
            raw = {}
            for key, value in inst.settings.items():
                try:
                    raw[key] = resolve(value, values, used)
                except ParameterError as exc:
                    raise ConfigureError(str(exc), where=key) from None
            settings = node_type.validate_settings(raw)
            specs: list[Any] = []
            waiting: list[str] = []  # why an upstream node holds this one back
            for port in node_type.inputs:
                link = links.get(port.name)
                if link is None:
                    if not port.optional:
                        raise ConfigureError("not connected", where=f"input port '{port.name}'")
                    specs.append(None)
                    continue
                up = report.nodes.get(link.source)
                if up is None:
                    waiting.append(_waiting_on(report, port.name, link.source))
                    specs.append(None)
                    continue
                src_type = wf.catalog.get(wf.node(link.source).type_id)
                idx = [p.name for p in src_type.outputs].index(link.source_port)
                specs.append(up.output_specs[idx])
            if waiting:
                report.blocked.add(nid)
                wf.run_state.set_state(nid, NodeState.UNCONFIGURED, "; ".join(waiting))
                continue
            if any(
                spec is None and not port.optional for spec, port in zip(specs, node_type.inputs)
            ):
                # A required input's spec is known only from data: so are this node's outputs.
                out_specs: list[Any] = [None] * len(node_type.outputs)
            else:
                ctx = wf.node_context(nid, values)
                out_specs = list(node_type().configure(settings, specs, ctx))
            outputs = wf.run_state.outputs(nid)
            if outputs is not None:
                # An executed node knows its real output specs (e.g. the classes a model saw).
                out_specs = [v.spec() if v is not None else s for v, s in zip(outputs, out_specs)]
            if len(out_specs) != len(node_type.outputs):
                raise ConfigureError(
                    f"configure returned {len(out_specs)} specs for {len(node_type.outputs)} output ports"
                )
            report.nodes[nid] = ConfiguredNode(settings, used, specs, out_specs)
            wf.run_state.mark_configured(nid)
        except ConfigureError as exc:
            report.errors[nid] = exc.for_node(inst.label) if not exc.node else exc
            wf.run_state.set_state(nid, NodeState.UNCONFIGURED, report.errors[nid].detail)
        except Exception as exc:  # a node's own bug: still name the node
            log.debug("configure of %s crashed", inst.label, exc_info=True)
            report.errors[nid] = ConfigureError(f"{type(exc).__name__}: {exc}", node=inst.label)
            wf.run_state.set_state(nid, NodeState.UNCONFIGURED, report.errors[nid].detail)
    return report


@dataclass
class RunResult:
    workflow: Workflow
    executed: list[str] = field(default_factory=list)
    states: dict[str, NodeState] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)  # node id -> its ctx.warn notes
    cancelled: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors and not self.cancelled

    def state(self, ref: str) -> NodeState:
        nid = self.workflow.node(ref).id
        return self.states.get(nid, self.workflow.state(nid))

    def output(self, ref: str, port: int | str = 0) -> Any:
        return self.workflow.output(ref, port)

    def error(self, ref: str) -> str | None:
        return self.errors.get(self.workflow.node(ref).id)

    def fitted(self, ref: str) -> Any:
        """The fitted state of a stateful node from this run (None for stateless nodes)."""
        entry = self.workflow.run_state.entry(self.workflow.node(ref).id)
        return entry.fitted if entry else None


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:32]


def run_workflow(
    wf: Workflow,
    values: dict[str, Any],
    *,
    jobs: int = 1,
    targets: list[str] | None = None,
    on_event: Callable[[Event], None] | None = None,
    cancel: threading.Event | None = None,
    workers: NodeWorkers | None = None,
    cluster: ClusterBackend | None = None,
) -> RunResult:
    """Configure, then run what `targets` need (everything by default) on `jobs` threads;
    with `workers`, long-running nodes run in their processes, which a cancel ends at once;
    with a `cluster`, long-running nodes run as its tasks, independent ones at once, and
    the other nodes' joblib work (n_jobs) runs on it."""
    run = _Run(wf, values, on_event, cancel or threading.Event(), workers)
    run.cluster = cluster
    order = run.start(targets)
    runnable = [n for n in order if run.keys[n] is not None]
    if cluster is not None:  # a thread per task the cluster can run; it only waits
        jobs = max(jobs, cluster.workers)
    if jobs <= 1:
        run.sequential(runnable)
    else:
        run.parallel(runnable, jobs)
    return run.finish(order)


class _Run:
    """One run: its cache keys, the result it fills, and the events it reports."""

    def __init__(
        self,
        wf: Workflow,
        values: dict[str, Any],
        on_event: Callable[[Event], None] | None,
        cancel: threading.Event,
        workers: NodeWorkers | None = None,
    ):
        self.wf, self.values, self.on_event, self.cancel = wf, values, on_event, cancel
        self.workers = workers
        self.result = RunResult(wf)
        self.lock = threading.Lock()
        self.report = configure_workflow(wf, values)
        self.keys: dict[str, str | None] = {}
        self.dead: set[str] = set()  # failed, cancelled or waiting on one that did
        self.cluster: ClusterBackend | None = None

    # ---- events and states ----------------------------------------------------------
    def emit(self, event: Event) -> None:
        if self.on_event:
            self.on_event(event)
        self.wf.emit(event)

    def set_state(self, nid: str, state: NodeState, message: str = "") -> None:
        failed = state == NodeState.FAILED
        with self.lock:
            self.wf.run_state.set_state(nid, state, message if failed else None)
            self.result.states[nid] = state
            if failed:
                self.result.errors[nid] = message
        self.emit(StateChanged(nid, state, message))

    def warn(self, nid: str, message: str) -> None:
        with self.lock:
            self.result.warnings.setdefault(nid, []).append(message)
        self.emit(NodeWarning(nid, message))

    # ---- before running -------------------------------------------------------------
    def start(self, targets: list[str] | None) -> list[str]:
        """The nodes of this run in topological order, announced, with their cache keys."""
        graph = self.wf.graph
        scope = set(graph.nodes)
        if targets:
            ids = {self.wf.node(t).id for t in targets}
            scope = set().union(*({t, *nx.ancestors(graph, t)} for t in ids))
        order = [n for n in nx.topological_sort(graph) if n in scope]
        self.emit(RunStarted(tuple(order)))
        for nid in order:
            self.keys[nid] = self._key(nid)
        return order

    def _key(self, nid: str) -> str | None:
        """Known before running: it depends only on settings and upstream keys."""
        conf = self.report.nodes.get(nid)
        if conf is None:
            if nid in self.report.errors:
                self.set_state(nid, NodeState.FAILED, self.report.errors[nid].detail)
            return None
        inst, node_type = _node_instance(self.wf, nid)
        inputs = []
        for port, link in sorted(self.wf.inputs_of(nid).items()):
            inputs.append([port, self.keys.get(link.source), link.source_port])
        if any(k is None for _, k, _ in inputs):
            return None
        return _digest(
            [
                inst.type_id,
                node_type.version,
                conf.settings.model_dump(mode="json"),
                {p: self.values[p] for p in sorted(conf.used_params)},
                inputs,
            ]
        )

    # ---- one node -------------------------------------------------------------------
    def _inputs(self, nid: str, node_type: type[NodeType]) -> list[Any]:
        links = self.wf.inputs_of(nid)
        inputs = []
        for port in node_type.inputs:
            link = links.get(port.name)
            value = None
            if link is not None:
                src_type = self.wf.catalog.get(self.wf.node(link.source).type_id)
                idx = [p.name for p in src_type.outputs].index(link.source_port)
                value = self.wf.run_state.entry(link.source).outputs[idx]
            if value is None and not port.optional:
                raise KnotworkError(f"input port '{port.name}' has no data")
            inputs.append(value)
        return inputs

    def _execute(self, nid: str) -> None:
        _, node_type = _node_instance(self.wf, nid)
        inputs = self._inputs(nid, node_type)
        ctx = self.wf.node_context(
            nid,
            self.values,
            on_progress=lambda f, m: self.emit(Progress(nid, f, m)),
            cancel=self.cancel,
            on_warning=lambda m: self.warn(nid, m),
        )
        settings = self.report.nodes[nid].settings
        start = time.perf_counter()
        elsewhere = self.cluster if self.cluster is not None else self.workers
        if elsewhere is not None and node_type.long_running:
            outputs, fitted = elsewhere.run(node_type, settings, inputs, ctx, self.cancel)
        else:
            scope = self.cluster.node_scope(ctx.label) if self.cluster else contextlib.nullcontext()
            with scope:
                outputs, fitted = run_node(node_type, settings, inputs, ctx)
        _check_outputs(node_type, outputs)
        seconds = time.perf_counter() - start
        self.wf.run_state.store(nid, CacheEntry(self.keys[nid] or "", outputs, fitted, seconds))
        with self.lock:
            self.result.seconds[nid] = seconds
            self.result.executed.append(nid)

    def attempt(self, nid: str) -> bool:
        """Run (or reuse) one node; return True when it is executed."""
        entry = self.wf.run_state.entry(nid)
        if entry is not None and entry.key == self.keys[nid]:
            self.result.seconds[nid] = 0.0
            self.set_state(nid, NodeState.EXECUTED)
            return True
        if self.cancel.is_set():
            return False
        self.set_state(nid, NodeState.EXECUTING)
        try:
            self._execute(nid)
        except CancelledError:
            self.set_state(nid, NodeState.CONFIGURED)
            return False
        except KnotworkError as exc:
            self.set_state(nid, NodeState.FAILED, str(exc))
            return False
        except Exception as exc:  # keep the rest of the workflow alive
            log.debug("node %s crashed", nid, exc_info=True)
            self.set_state(nid, NodeState.FAILED, f"{type(exc).__name__}: {exc}")
            return False
        self.set_state(nid, NodeState.EXECUTED)
        return True

    # ---- scheduling -----------------------------------------------------------------
    def _skipped(self, nid: str) -> bool:
        """A node waits when an input's node did not execute, or when the run is cancelled."""
        return self.cancel.is_set() or any(p in self.dead for p in self.wf.graph.predecessors(nid))

    def sequential(self, runnable: list[str]) -> None:
        for nid in runnable:
            if self._skipped(nid) or not self.attempt(nid):
                self.dead.add(nid)

    def parallel(self, runnable: list[str], jobs: int) -> None:
        """Independent branches on `jobs` threads, each node as soon as its inputs are done."""
        among = set(runnable)
        sorter = TopologicalSorter(
            {n: [p for p in self.wf.graph.predecessors(n) if p in among] for n in runnable}
        )
        sorter.prepare()
        running: dict[Future, str] = {}
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            while sorter.is_active():
                for nid in sorter.get_ready():
                    if self._skipped(nid):
                        self.dead.add(nid)
                        sorter.done(nid)
                    else:
                        running[pool.submit(self.attempt, nid)] = nid
                if not running:
                    continue  # only skipped nodes: their successors are ready now
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for fut in finished:
                    nid = running.pop(fut)
                    if not fut.result():
                        self.dead.add(nid)
                    sorter.done(nid)

    def finish(self, order: list[str]) -> RunResult:
        self.result.cancelled = self.cancel.is_set()
        for nid in order:
            self.result.states.setdefault(nid, self.wf.run_state.state(nid))
        self.emit(RunFinished(self.result.ok, self.result.cancelled))
        return self.result


def _check_outputs(node_type: type[NodeType], outputs: list[Any]) -> None:
    """A node returns one value of its port's type (or None) per output port."""
    if len(outputs) != len(node_type.outputs):
        raise KnotworkError(
            f"node produced {len(outputs)} outputs for {len(node_type.outputs)} output ports"
        )
    for port, value in zip(node_type.outputs, outputs):
        if value is not None and not isinstance(value, VALUE_TYPES[port.type]):
            raise KnotworkError(
                f"output port '{port.name}' produced a {type(value).__name__}, expected a {port.type.value}"
            )
