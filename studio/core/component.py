"""A component as data: a named, versioned inner workflow whose Component Input and
Component Output nodes are its ports and whose parameters are its settings.

The workflow file keeps every definition its nodes use in its `components` section; a
definition copied from a component library remembers which one (`library`) so a newer
library version can be offered. This module is records only: `component_node` turns a
definition into a node type, `component_edit` collapses and expands them.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .ports import Port, PortType

TYPE_PREFIX = "component."
INPUT_PREFIX = "component.input."  # + a port type: the Component Input of that type
OUTPUT_PREFIX = "component.output."
BOUNDARY_CATEGORY = "Component"
COMPONENT_CATEGORY = "Components"
LIBRARY_SUFFIX = ".knotwork-component.json"
LIBRARY_FORMAT = 1
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LibraryLink(_Strict):
    """Where a linked copy came from: the library component's id and the version copied."""

    id: str = Field(pattern=_ID.pattern)
    version: int = Field(ge=1)


class ComponentDefinition(_Strict):
    """One component: metadata, its version, an optional library link and the inner
    workflow in workflow-file form (nodes, connections, parameters, annotations, layout)."""

    id: str = Field(pattern=_ID.pattern)
    name: str = Field(min_length=1)
    description: str = ""
    version: int = Field(1, ge=1)
    library: LibraryLink | None = None
    workflow: dict[str, Any] = Field(default_factory=dict)

    @property
    def type_id(self) -> str:
        return TYPE_PREFIX + self.id

    def to_json(self) -> dict[str, Any]:
        """The definition as the workflow file's `components` section holds it (id is the key)."""
        return self.model_dump(mode="json", exclude={"id"})

    def boundary(self, prefix: str) -> list[dict[str, Any]]:
        """The inner Component Input (or Output) node records, in port order."""
        found = [
            n
            for n in self.workflow.get("nodes", [])
            if str(n.get("type_id", "")).startswith(prefix)
        ]
        return sorted(found, key=lambda n: (n.get("settings", {}).get("order", 0), n["label"]))

    def ports(self, prefix: str) -> tuple[Port, ...]:
        """The component's input (or output) ports: one per boundary node, named by its label."""
        return tuple(
            Port(
                n["label"],
                PortType(n["type_id"][len(prefix) :]),
                optional=bool(n.get("settings", {}).get("optional", False))
                and prefix == INPUT_PREFIX,
                description=str(n.get("settings", {}).get("description", "")),
            )
            for n in self.boundary(prefix)
        )

    def parameters(self) -> dict[str, dict[str, Any]]:
        """The inner workflow's parameters: what the component exposes as its settings."""
        return dict(self.workflow.get("parameters", {}))

    def uses(self) -> set[str]:
        """The ids of the component definitions this one's inner nodes are instances of."""
        return {
            str(n["type_id"])[len(TYPE_PREFIX) :]
            for n in self.workflow.get("nodes", [])
            if is_component_type(str(n.get("type_id", "")))
        }


def is_component_type(type_id: str) -> bool:
    """A component instance's type (not one of the boundary nodes inside a component)."""
    return (
        type_id.startswith(TYPE_PREFIX)
        and not type_id.startswith(INPUT_PREFIX)
        and not type_id.startswith(OUTPUT_PREFIX)
    )


def slug(name: str) -> str:
    """A definition id made from a name ("Standard preprocessing" -> "standard-preprocessing")."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48]
    return text or "component"
