""" "Capture for deployment" from a selection: insert a Deployment Input on the table
that enters the selected scoring nodes and a Deployment Output after the last of them,
as one undoable step, so Deploy… works on a workflow that never had the pair."""

from __future__ import annotations

import networkx as nx

from studio.core import GraphError, PortType, Workflow
from studio.core.workflow import Link

from . import commands
from .document import Document

INPUT_TYPE, OUTPUT_TYPE = "deployment.input", "deployment.output"


def plan_capture(wf: Workflow, selected: list[str]) -> tuple[Link, tuple[str, str]]:
    """The table link carrying request rows into the selection, and the (node, port) whose
    table the service returns. Raises GraphError naming what to select instead."""
    chosen = set(selected)
    order = [n for n in nx.topological_sort(wf.graph) if n in chosen]
    if not order:
        raise GraphError("select the nodes that score rows (for example the Predictor) first")

    def is_table(node: str, port: str, outputs: bool) -> bool:
        ports = wf.node_type(node).outputs if outputs else wf.node_type(node).inputs
        return any(p.name == port and p.type == PortType.TABLE for p in ports)

    entering = [
        lk
        for lk in wf.links
        if lk.target in chosen
        and lk.source not in chosen
        and is_table(lk.target, lk.target_port, False)
    ]
    if not entering:
        raise GraphError(
            "no table enters the selection: select the scoring nodes fed by the rows to score"
        )
    request = min(entering, key=lambda lk: order.index(lk.target))
    for node in reversed(order):
        table_out = next(
            (p.name for p in wf.node_type(node).outputs if p.type == PortType.TABLE), None
        )
        if table_out is not None:
            return request, (node, table_out)
    raise GraphError("none of the selected nodes outputs a table: include the Predictor")


def insert_capture_nodes(document: Document, selected: list[str]) -> tuple[str, str]:
    """Insert the Deployment Input/Output pair around the selection; returns their ids."""
    wf = document.workflow
    request, (sink, sink_port) = plan_capture(wf, selected)
    sx, sy = wf.layout.get(request.target, (0.0, 0.0))
    ox, oy = wf.layout.get(sink, (0.0, 0.0))
    stack = document.undo_stack
    stack.beginMacro("Capture for deployment")
    try:
        add_in = commands.AddNodeCommand(wf, INPUT_TYPE, (sx - 150.0, sy + 90.0))
        document.push(add_in)
        document.push(
            commands.ConnectCommand(
                wf, request.source, request.source_port, add_in.node_id, "table"
            )
        )
        document.push(
            commands.ConnectCommand(
                wf, add_in.node_id, "table", request.target, request.target_port
            )
        )
        add_out = commands.AddNodeCommand(wf, OUTPUT_TYPE, (ox + 180.0, oy))
        document.push(add_out)
        document.push(commands.ConnectCommand(wf, sink, sink_port, add_out.node_id, "table"))
    finally:
        stack.endMacro()
    return add_in.node_id, add_out.node_id
