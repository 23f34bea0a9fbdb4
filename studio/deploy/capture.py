"""The capture scope: which nodes of a trained workflow a bundle runs, and which
values flowing into them are frozen.

Scope = descendants(input) ∩ ancestors(output), plus the two marker nodes. Every
connection entering the scope from outside (other than the request rows into the
Deployment Input) is a *static input*: its value from the last run is frozen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from studio.core.runstate import NodeState
from studio.core.workflow import Link, NodeInstance, Workflow

from .errors import CaptureError

INPUT_TYPE = "deployment.input"
OUTPUT_TYPE = "deployment.output"


@dataclass
class CaptureScope:
    nodes: set[str]
    input_node: str
    output_node: str
    static_inputs: list[Link]
    links: list[Link] = field(default_factory=list)  # connections inside the scope
    request_link: Link | None = None  # what fed the Deployment Input during training
    stateful_nodes: list[str] = field(default_factory=list)
    order: list[str] = field(default_factory=list)  # topological order of the scope

    def input_spec(self, workflow: Workflow, parameters: dict[str, Any] | None = None) -> Any:
        """The input schema known before running (the Deployment Input's configured spec), or None."""
        specs = workflow.configure(parameters).output_specs(self.input_node)
        return specs[0] if specs else None

    def static_values(self, workflow: Workflow) -> dict[tuple[str, str], Any]:
        """The frozen value of each static input, keyed by (target node id, target port)."""
        return {
            (lk.target, lk.target_port): workflow.output(lk.source, lk.source_port)
            for lk in self.static_inputs
        }


def _pick(
    workflow: Workflow, ref: str | NodeInstance | None, type_id: str, what: str
) -> NodeInstance:
    if ref is not None:
        inst = workflow.node(ref)
        if inst.type_id != type_id:
            raise CaptureError(
                f'node "{inst.label}" is a {inst.type_id}, not a {what} node ({type_id})'
            )
        return inst
    found = [n for n in workflow.nodes if n.type_id == type_id]
    if not found:
        raise CaptureError(
            f"the workflow has no {what} node: add one ({type_id}) to mark where "
            f"{'request rows enter' if type_id == INPUT_TYPE else 'the service output is taken'}"
        )
    if len(found) > 1:
        labels = ", ".join(f'"{n.label}" ({n.id})' for n in found)
        raise CaptureError(f"the workflow has several {what} nodes ({labels}): choose one")
    return found[0]


def capture(
    workflow: Workflow,
    input_node: str | NodeInstance | None = None,
    output_node: str | NodeInstance | None = None,
    *,
    require_results: bool = True,
) -> CaptureScope:
    """Compute the capture scope. With `require_results` (the default) the workflow must
    have been run, so every static input and fitted state exists; pass False to preview."""
    inp = _pick(workflow, input_node, INPUT_TYPE, "Deployment Input")
    out = _pick(workflow, output_node, OUTPUT_TYPE, "Deployment Output")
    g = workflow.graph
    downstream = nx.descendants(g, inp.id)
    if out.id not in downstream:
        raise CaptureError(
            f'"{out.label}" is not downstream of "{inp.label}": connect the Deployment Input through the '
            f"scoring nodes to the Deployment Output"
        )
    scope = (downstream & nx.ancestors(g, out.id)) | {inp.id, out.id}
    links = [d["link"] for _, _, d in g.edges(data=True) if d["link"].target in scope]
    inside = [lk for lk in links if lk.source in scope]
    entering = [lk for lk in links if lk.source not in scope]
    request = next((lk for lk in entering if lk.target == inp.id), None)
    static = sorted(
        (lk for lk in entering if lk.target != inp.id), key=lambda lk: (lk.target, lk.target_port)
    )
    order = [n for n in nx.topological_sort(g.subgraph(scope))]
    stateful = [n for n in order if workflow.node_type(n).stateful]
    result = CaptureScope(scope, inp.id, out.id, static, inside, request, stateful, order)
    if require_results:
        _check_results(workflow, result)
    return result


def _check_results(workflow: Workflow, scope: CaptureScope) -> None:
    not_run = [n for n in scope.order if workflow.state(n) != NodeState.EXECUTED]
    not_run += [
        lk.source for lk in scope.static_inputs if workflow.state(lk.source) != NodeState.EXECUTED
    ]
    if scope.request_link is None:
        raise CaptureError(
            f'"{workflow.node(scope.input_node).label}" has no input: wire the test rows into it'
        )
    if workflow.state(scope.request_link.source) != NodeState.EXECUTED:
        not_run.append(scope.request_link.source)
    if not_run:
        labels = ", ".join(dict.fromkeys(f'"{workflow.node(n).label}"' for n in not_run))
        raise CaptureError(
            f"the workflow has not been executed: run it first ({labels} not executed)"
        )
