"""A component definition as a node type: its ports are the inner Component Input and
Output nodes, its settings model is made from the inner workflow's parameters, and it
configures and runs its inner workflow through the one executor.

The inner workflow is rebuilt from the definition for each configure and run, fed the
component's input specs (configure) or values (run) through `Workflow.feeds`; the outer
executor caches the component's outputs like any node's.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import Field, create_model

from . import executor, fileformat
from .catalog import Catalog
from .component import (
    COMPONENT_CATEGORY,
    INPUT_PREFIX,
    OUTPUT_PREFIX,
    ComponentDefinition,
)
from .errors import CancelledError, ConfigureError, NodeExecutionError
from .events import Event, NodeWarning, StateChanged
from .node import ExecutionContext, NodeSettings, NodeType
from .runstate import NodeState

if TYPE_CHECKING:
    from .workflow import Workflow

_PYTHON_TYPES = {"string": str, "integer": int, "number": float, "boolean": bool}


def settings_model(definition: ComponentDefinition) -> type[NodeSettings]:
    """One setting per parameter of the inner workflow: its type, default and description."""
    fields: dict[str, Any] = {}
    for name, p in definition.parameters().items():
        fields[name] = (
            _PYTHON_TYPES.get(p.get("type", "string"), str),
            Field(p.get("value"), description=p.get("description", "") or name),
        )
    return create_model(f"{definition.id}_settings", __base__=NodeSettings, **fields)


class ComponentNode(NodeType):
    """Base of every component's node type; `component_type` makes one per definition."""

    category = COMPONENT_CATEGORY
    definition: ComponentDefinition
    # builds an empty workflow on a catalogue: the Workflow class that defined this type
    new_workflow: Callable[[Catalog], Workflow]

    @classmethod
    def migrate(cls, settings: dict[str, Any], from_version: int) -> dict[str, Any]:
        """A newer definition keeps the values of the parameters it still has."""
        fields = cls.Settings.model_fields
        return {k: v for k, v in settings.items() if k in fields}

    # ---- the inner workflow ---------------------------------------------------------
    def inner(self, ctx: ExecutionContext, feeds: dict[str, Any]) -> Workflow:
        wf = type(self).new_workflow(ctx.catalog)
        fileformat.read_component_workflow(wf, self.definition, f'component "{ctx.label}"')
        if ctx.base_dir:  # relative paths inside resolve against the outer workflow's folder
            wf.path = Path(ctx.base_dir) / "component"
        wf.feeds = feeds
        return wf

    def _feeds(self, values: list[Any]) -> dict[str, Any]:
        return {p.name: v for p, v in zip(self.inputs, values)}

    def _outputs(self, wf: Workflow, take: Callable[[str], Any]) -> list[Any]:
        by_label = {n.label: n.id for n in wf.nodes if n.type_id.startswith(OUTPUT_PREFIX)}
        return [take(by_label[p.name]) for p in self.outputs]

    # ---- lifecycle ------------------------------------------------------------------
    def configure(self, settings: Any, specs: list[Any], ctx: ExecutionContext) -> list[Any]:
        wf = self.inner(ctx, self._feeds(specs))
        report = executor.configure_workflow(wf, settings.model_dump())
        if report.errors:
            first = report.problems()[0]
            more = f" (and {len(report.errors) - 1} more)" if len(report.errors) > 1 else ""
            raise ConfigureError(f"inside the component: {first}{more}")

        def spec(nid: str) -> Any:
            conf = report.nodes.get(nid)
            return conf.input_specs[0] if conf else None

        return self._outputs(wf, spec)

    def execute(self, settings: Any, inputs: list[Any], ctx: ExecutionContext) -> list[Any]:
        wf = self.inner(ctx, self._feeds(inputs))
        total = max(1, len(wf.graph))
        done: set[str] = set()

        def relay(event: Event) -> None:  # inner progress and warnings, told as this node's
            if isinstance(event, StateChanged) and event.state == NodeState.EXECUTED:
                done.add(event.node)
                ctx.progress(len(done) / total, f"{len(done)} of {total} inner nodes")
            elif isinstance(event, NodeWarning):
                ctx.warn(f"{wf.node(event.node).label}: {event.message}")

        result = executor.run_workflow(
            wf, settings.model_dump(), on_event=relay, cancel=ctx.cancel_event or threading.Event()
        )
        if result.cancelled:
            raise CancelledError(f"{ctx.label}: cancelled")
        if result.errors:
            nid, message = next(iter(result.errors.items()))
            raise NodeExecutionError(
                f'inside the component, node "{wf.node(nid).label}" failed: {message}'
            )
        return self._outputs(wf, lambda nid: wf.output(nid, 0))


def component_type(
    definition: ComponentDefinition, new_workflow: Callable[[Catalog], Workflow]
) -> type[ComponentNode]:
    """The node type of a definition (a fresh class: definitions differ in ports and settings)."""
    attrs = {
        "type_id": definition.type_id,
        "version": definition.version,
        "name": definition.name,
        "description": definition.description
        or f"Component with {len(definition.workflow.get('nodes', []))} inner nodes",
        "keywords": ("component",),
        "inputs": definition.ports(INPUT_PREFIX),
        "outputs": definition.ports(OUTPUT_PREFIX),
        "Settings": settings_model(definition),
        "definition": definition,
        "new_workflow": staticmethod(new_workflow),
    }
    return type(f"Component_{definition.id.replace('-', '_')}", (ComponentNode,), attrs)


def define(wf: Workflow, definition: ComponentDefinition) -> None:
    """Make `definition` (or its new version) a node type of this workflow's catalogue.

    A workflow on a shared catalogue gets its own copy first, so one workflow's components
    never appear in another's."""
    if not getattr(wf, "_owns_catalog", False):
        wf.catalog = wf.catalog.child()
        wf._owns_catalog = True
    wf.components[definition.id] = definition
    wf.catalog.register(component_type(definition, type(wf)))


def undefine(wf: Workflow, component_id: str) -> None:
    """Forget a definition no node of the workflow uses any more."""
    definition = wf.components.pop(component_id, None)
    if definition is not None and getattr(wf, "_owns_catalog", False):
        wf.catalog.unregister(definition.type_id)
