"""Collapse selected nodes into a component, expand a component back into its nodes, and
flatten a workflow (every component expanded) for what must see single nodes: a bundle.

Collapsing turns every wire that crosses the selection's border into a port: one input
port per outside output feeding the selection, one output port per inner output used
outside. The parameters the selected nodes refer to become the component's settings.
"""

from __future__ import annotations

import copy
from typing import Any

import networkx as nx

from .component import INPUT_PREFIX, OUTPUT_PREFIX, ComponentDefinition, is_component_type, slug
from .errors import GraphError
from .fileformat import dumps, inner_workflow_dict, read_component_workflow, workflow_to_dict
from .parameters import reference
from .records import NodeRecord
from .workflow import Link, NodeInstance, Workflow, new_id

_GAP = 220.0  # how far left/right of the inner nodes the boundary nodes sit


def _unique(name: str, taken: set[str]) -> str:
    out, i = name, 2
    while out in taken:
        out, i = f"{name} ({i})", i + 1
    taken.add(out)
    return out


def _references(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_references(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(_references(v) for v in value))
    name = reference(value)
    return {name} if name else set()


def _port_names(
    wf: Workflow, links: list[Link], taken: set[str], inward: bool
) -> dict[tuple[str, str], str]:
    """One port per distinct (source node, source port) of the crossing wires, in the
    vertical order of the nodes inside; named by the source port ("train"), or, where
    that would repeat, by the node inside ("Scale test")."""
    inside = (lambda lk: lk.target) if inward else (lambda lk: lk.source)
    ordered = sorted(links, key=lambda lk: (wf.layout.get(inside(lk), (0, 0))[1], inside(lk)))
    keys = list(dict.fromkeys((lk.source, lk.source_port) for lk in ordered))
    plain = [port for _, port in keys]
    names = {}
    for src, port in keys:
        if plain.count(port) == 1:
            name = port
        elif inward:
            name = f"{wf.node(src).label}: {port}"
        else:
            name = f"{wf.node(src).label}: {port}"
        names[(src, port)] = _unique(name, taken)
    return names


def _check_collapsible(wf: Workflow, sel: set[str]) -> None:
    if not sel:
        raise GraphError("select the nodes to put into a component first")
    for nid in (n for n in nx.topological_sort(wf.graph) if n not in sel):
        if nx.ancestors(wf.graph, nid) & sel and nx.descendants(wf.graph, nid) & sel:
            raise GraphError(
                f'cannot make a component of these nodes: "{wf.node(nid).label}" lies between '
                "them (it uses a selected node's output and feeds another): select it too"
            )


def _position(wf: Workflow, ids: list[str]) -> tuple[float, float]:
    points = [wf.layout[n] for n in ids if n in wf.layout] or [(0.0, 0.0)]
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def collapse(
    wf: Workflow,
    node_ids: list[str],
    name: str = "Component",
    *,
    component_id: str | None = None,
    node_id: str | None = None,
) -> NodeInstance:
    """Replace the nodes `node_ids` by one component node (returned) wired where they were."""
    sel = {wf.node(n).id for n in node_ids}
    _check_collapsible(wf, sel)
    order = [n for n in nx.topological_sort(wf.graph) if n in sel]
    entering = [lk for lk in wf.links if lk.target in sel and lk.source not in sel]
    leaving = [lk for lk in wf.links if lk.source in sel and lk.target not in sel]
    inner = Workflow(wf.catalog)
    for nid in order:
        inner.restore_node(NodeRecord.of(wf.node(nid)), wf.layout.get(nid))
    for lk in wf.links:
        if lk.source in sel and lk.target in sel:
            inner.connect(lk.source, lk.source_port, lk.target, lk.target_port)
    used = set().union(*(_references(wf.node(n).settings) for n in order))
    for pname in sorted(used & set(wf.parameters)):
        p = wf.parameters[pname]
        inner.add_parameter(p.name, p.type, p.value, p.description)

    labels = {inner.node(n).label for n in order}
    xs = [wf.layout[n][0] for n in order if n in wf.layout] or [0.0]
    ys = [wf.layout[n][1] for n in order if n in wf.layout] or [0.0]
    inputs = _port_names(wf, entering, labels, inward=True)
    for i, ((src, port), pname) in enumerate(inputs.items()):
        ptype = next(p.type for p in wf.node_type(src).outputs if p.name == port)
        inner.add_node(
            INPUT_PREFIX + ptype.value,
            pname,
            {"order": i},
            position=(min(xs) - _GAP, min(ys) + 90.0 * i),
        )
    for lk in entering:
        boundary = inner.node(inputs[(lk.source, lk.source_port)]).id
        inner.connect(boundary, "value", lk.target, lk.target_port)
    outputs = _port_names(wf, leaving, labels, inward=False)
    for i, ((src, port), pname) in enumerate(outputs.items()):
        ptype = next(p.type for p in wf.node_type(src).outputs if p.name == port)
        out = inner.add_node(
            OUTPUT_PREFIX + ptype.value,
            pname,
            {"order": i},
            position=(max(xs) + _GAP, min(ys) + 90.0 * i),
        )
        inner.connect(src, port, out.id, "value")

    cid = component_id or _unique(slug(name), set(wf.components))
    definition = ComponentDefinition(id=cid, name=name, workflow=inner_workflow_dict(inner))
    position = _position(wf, order)
    wf.define_component(definition)
    for nid in order:
        wf.remove_node(nid)
    settings = {p: f"${p}" for p in inner.parameters}
    node = wf.add_node(definition.type_id, name, settings, id=node_id, position=position)
    for lk in entering:
        wf.connect(lk.source, lk.source_port, node.id, inputs[(lk.source, lk.source_port)])
    for lk in leaving:
        wf.connect(node.id, outputs[(lk.source, lk.source_port)], lk.target, lk.target_port)
    return node


def _substitute(value: Any, values: dict[str, Any]) -> Any:
    """Inner settings with the component's parameters replaced by what the component set."""
    if isinstance(value, dict):
        return {k: _substitute(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, values) for v in value]
    name = reference(value)
    return copy.deepcopy(values[name]) if name in values else value


def inner_workflow(wf: Workflow, definition: ComponentDefinition) -> Workflow:
    """A component's inner workflow, on the catalogue of the workflow that uses it."""
    inner = Workflow(wf.catalog, definition.name)
    read_component_workflow(inner, definition, f'component "{definition.name}"')
    inner.path = wf.path
    return inner


def expand(wf: Workflow, node_ref: str) -> dict[str, str]:
    """Replace a component node by its inner nodes, wired as the component was; returns
    inner node id -> its id in `wf` (the inner id unless that was taken)."""
    node = wf.node(node_ref)
    if not is_component_type(node.type_id):
        raise GraphError(f'node "{node.label}" is not a component: there is nothing to expand')
    definition = wf.catalog.get(node.type_id).definition
    inner = inner_workflow(wf, definition)
    values = {n: p.value for n, p in inner.parameters.items()}
    values.update(node.settings)
    before_in = wf.inputs_of(node.id)
    before_out = wf.outputs_of(node.id)
    centre, here = _position(inner, list(inner.graph)), wf.layout.get(node.id, (0.0, 0.0))
    wf.remove_node(node.id)

    boundary = {n.id: n for n in inner.nodes if n.type_id.startswith((INPUT_PREFIX, OUTPUT_PREFIX))}
    ids: dict[str, str] = {}
    for nid in nx.topological_sort(inner.graph):
        if nid in boundary:
            continue
        inst = inner.node(nid)
        ids[nid] = nid if nid not in wf.graph else new_id()
        record = NodeRecord.of(inst, _substitute(inst.settings, values))
        x, y = inner.layout.get(nid, centre)
        position = (here[0] + x - centre[0], here[1] + y - centre[1])
        wf.restore_node(record.model_copy(update={"id": ids[nid]}), position)
        wf.rename_node(ids[nid], inst.label)  # unique among the outer labels
    for lk in inner.links:
        if lk.source in ids and lk.target in ids:
            wf.connect(ids[lk.source], lk.source_port, ids[lk.target], lk.target_port)
    for bid, b in boundary.items():
        if b.type_id.startswith(INPUT_PREFIX):
            feed = before_in.get(b.label)
            if feed is None:
                continue
            for lk in inner.outputs_of(bid):
                wf.connect(feed.source, feed.source_port, ids[lk.target], lk.target_port)
        else:
            src = inner.inputs_of(bid).get("value")
            for lk in before_out:
                if src is not None and lk.source_port == b.label and src.source in ids:
                    wf.connect(ids[src.source], src.source_port, lk.target, lk.target_port)
    return ids


def flatten(wf: Workflow) -> tuple[Workflow, dict[str, str]]:
    """A copy of `wf` with every component expanded (nested ones too), reusing the results
    `wf` already has for the nodes outside components; and each node's origin in `wf`
    (flattened id -> the id of the top-level node it is or came from)."""
    source = str(wf.path) if wf.path else "<workflow>"
    flat = Workflow.loads(dumps(workflow_to_dict(wf)), source, catalog=wf.catalog)
    flat.path = wf.path
    origin = {n: n for n in flat.graph}
    while True:
        todo = [n.id for n in flat.nodes if is_component_type(n.type_id)]
        if not todo:
            break
        for nid in todo:
            for new in expand(flat, nid).values():
                origin[new] = origin.get(nid, nid)
    for nid in flat.graph:
        entry = wf.run_state.entry(nid) if nid in wf.graph else None
        if entry is not None and wf.node(nid).type_id == flat.node(nid).type_id:
            flat.run_state.store(nid, entry)
            flat.run_state.set_state(nid, wf.run_state.state(nid))
    return flat, origin
