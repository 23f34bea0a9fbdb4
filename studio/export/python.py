"""Export a workflow to a standalone pandas + scikit-learn script (`knotwork export`).

The workflow is run first (incrementally, as `run` does), so the script can spell out
what the run decided: the columns each step works on, the model's features, the task a
Scorer found. Nodes are written in dependency order, one emitter per node type; the
deployment scope becomes one scikit-learn Pipeline of the fitted steps. Checks, monitors
and charts change no data and are listed as not exported; any other node without an exact
equivalent stops the export with an error naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx

from studio.core import Workflow
from studio.core.fileformat import atomic_write
from studio.core.parameters import resolve

from . import modelling, preparation
from .emit import Emit
from .scope import DEPLOY_INPUT, DEPLOY_OUTPUT, Scope
from .script import ExportError, Script, literal, not_exported, snake

EMITTERS = {**preparation.EMITTERS}
EMITTERS.update(
    {
        "validation.parameter_search": modelling.parameter_search,
        "validation.cross_validation": modelling.cross_validation,
        "scoring.predictor": modelling.predictor,
        "scoring.scorer": modelling.scorer,
    }
)


@dataclass
class ExportResult:
    path: Path
    exported: list[str]  # node labels written to the script
    skipped: list[str]  # "label (type name)" of the checks left out
    has_pipeline: bool


class Exporter:
    def __init__(self, wf: Workflow, out: Path, parameters: dict[str, Any] | None = None):
        self.wf, self.out = wf, Path(out).resolve()
        self.values = wf.parameter_values(parameters)
        self.script = Script(
            wf.name or (wf.path.stem if wf.path else "workflow"),
            wf.path.name if wf.path else "a workflow",
        )
        self.target: str | None = None
        self.variables: dict[tuple[str, str], str] = {}  # (node id, port) -> variable

    def parameter(self, name: str) -> str:
        return self.script.constant(snake(name).upper(), literal(self.values[name]))

    def _emit(self, inst: Any, base: str) -> Emit:
        node_type = self.wf.node_type(inst.id)
        raw = dict(inst.settings)
        settings = node_type.validate_settings(resolve(raw, self.values, set()))
        inputs = {}
        for port, link in self.wf.inputs_of(inst.id).items():
            var = self.variables.get((link.source, link.source_port))
            if var is not None:
                inputs[port] = var
        return Emit(self, inst, settings, raw, inputs, base)

    def export(self) -> ExportResult:
        from nodes.learners.base import LearnerNode

        wf = self.wf
        order = {n.id: i for i, n in enumerate(wf.nodes)}
        scope = Scope.find(wf)
        exported: list[str] = []
        for nid in nx.lexicographical_topological_sort(wf.graph, key=lambda n: order[n]):
            inst = wf.node(nid)
            node_type = wf.node_type(nid)
            if not_exported(inst.type_id):
                self.script.skipped.append(f"{inst.label} ({node_type.name})")
                continue
            e = self._emit(inst, snake(inst.label))
            if wf.output(nid, 0) is None and node_type.outputs:
                e.fail("it did not run: run the workflow and fix its errors first")
            self.script.line()
            self.script.comment(f"{inst.label} ({node_type.name})")
            if scope is not None and nid in scope.nodes:
                scope.emit(e)
            elif issubclass(node_type, LearnerNode):
                modelling.learner(e)
            elif inst.type_id in EMITTERS:
                EMITTERS[inst.type_id](e)
            elif inst.type_id in (DEPLOY_INPUT, DEPLOY_OUTPUT):
                e.fail(
                    "a Deployment Input/Output pair is exported together: give the workflow one of each"
                )
            else:
                e.fail(f"{node_type.name} ({inst.type_id}) has no pandas + scikit-learn export yet")
            for port, var in e.outputs.items():
                self.variables[(nid, port)] = var
            exported.append(inst.label)
        if "TARGET" not in self.script.constants and "inputs_of" in self.script.helpers:
            self.script.constant("TARGET", "None")
        if scope is not None:
            self.script.predictions = scope.output_variable
        text = self.script.render()
        compile(text, str(self.out), "exec")  # an emitter bug shows here, never in the user's file
        atomic_write(self.out, text)
        return ExportResult(self.out, exported, list(self.script.skipped), scope is not None)


def export_python(
    wf: Workflow, out: str | Path, parameters: dict[str, Any] | None = None
) -> ExportResult:
    """Run the workflow (reusing unchanged results), then write its script to `out`.
    Components are written as the nodes they hold (the script has no components)."""
    from studio.core.component import is_component_type
    from studio.core.component_edit import flatten

    _run(wf, parameters)
    if any(is_component_type(n.type_id) for n in wf.nodes):
        wf = flatten(wf)[0]  # reuses the results outside components
        _run(wf, parameters)
    return Exporter(wf, Path(out), parameters).export()


def _run(wf: Workflow, parameters: dict[str, Any] | None) -> None:
    run = wf.run(parameters=parameters)
    if run.cancelled:
        raise ExportError("the run was cancelled: nothing exported")
    if run.errors:
        first = ", ".join(f"{wf.node(n).label}: {why}" for n, why in list(run.errors.items())[:3])
        raise ExportError(f"the workflow has failed nodes ({first}): fix them before exporting")
