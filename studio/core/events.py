"""What a workflow tells its observers: one small frozen class per kind of change.

Edits of the model (`NodeAdded`, `Connected`, ...) come from `Workflow`; run events
(`RunStarted`, `StateChanged`, `Progress`, `NodeWarning`, `RunFinished`) from the executor, possibly on
a worker thread. Observers dispatch on the class (`isinstance` or `match`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .runstate import NodeState

if TYPE_CHECKING:
    from .workflow import Link


@dataclass(frozen=True)
class Event:
    """Base of every workflow event."""


@dataclass(frozen=True)
class NodeAdded(Event):
    node: str


@dataclass(frozen=True)
class NodeRemoved(Event):
    node: str


@dataclass(frozen=True)
class NodeRenamed(Event):
    node: str


@dataclass(frozen=True)
class NodeMoved(Event):
    node: str


@dataclass(frozen=True)
class Connected(Event):
    link: Link


@dataclass(frozen=True)
class Disconnected(Event):
    link: Link


@dataclass(frozen=True)
class SettingChanged(Event):
    node: str
    setting: str | None  # None: the settings were replaced as a whole


@dataclass(frozen=True)
class ParametersChanged(Event):
    pass


@dataclass(frozen=True)
class AnnotationChanged(Event):
    annotation: str


@dataclass(frozen=True)
class Saved(Event):
    path: str


@dataclass(frozen=True)
class StateChanged(Event):
    node: str
    state: NodeState
    message: str = ""


@dataclass(frozen=True)
class Progress(Event):
    node: str
    fraction: float
    message: str = ""


@dataclass(frozen=True)
class NodeWarning(Event):
    """A node ran but wants the user to know something about its result (`ctx.warn`)."""

    node: str
    message: str


@dataclass(frozen=True)
class RunStarted(Event):
    nodes: tuple[str, ...]  # the nodes of this run, in topological order


@dataclass(frozen=True)
class RunFinished(Event):
    ok: bool
    cancelled: bool


# Edits after which the specs must be propagated again.
STRUCTURAL = (
    NodeAdded,
    NodeRemoved,
    Connected,
    Disconnected,
    SettingChanged,
    ParametersChanged,
    Saved,
)
