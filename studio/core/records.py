"""One node as data: what the workflow file saves, the clipboard carries, an undo command
keeps and a bundle's graph holds. Its position travels beside it, never inside it: the
file keeps layout apart from logic."""

from __future__ import annotations

import copy
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field


class _Node(Protocol):
    id: str
    type_id: str
    version: int
    label: str
    settings: dict[str, Any]


class NodeRecord(BaseModel):
    """A node's identity, type and version, label and settings, detached from any workflow."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    type_id: str = Field(min_length=1)
    version: int = Field(ge=1)
    label: str = Field(min_length=1)
    settings: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def of(cls, node: _Node, settings: dict[str, Any] | None = None) -> NodeRecord:
        """A copy of a workflow's node (its settings deep-copied, or `settings` instead),
        taken as it is: a live node is valid by construction."""
        return cls.model_construct(
            id=node.id,
            type_id=node.type_id,
            version=node.version,
            label=node.label,
            settings=copy.deepcopy(node.settings if settings is None else settings),
        )

    def to_json(self) -> dict[str, Any]:
        """The record as the workflow file and the clipboard write it."""
        return self.model_dump()


# A record with where it sits on the canvas (None: not placed), as undo and paste keep it.
PlacedNode = tuple[NodeRecord, tuple[float, float] | None]
