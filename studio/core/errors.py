"""One exception hierarchy for everything a user can get wrong.

Every error says what is wrong, where (node label, setting, column, field, file and
JSON path) and, when we know it, what to do about it.
"""

from __future__ import annotations

import copy
from typing import Self


class KnotworkError(Exception):
    """Base of every error Knotwork raises on purpose."""


class GraphError(KnotworkError):
    """An edit that would make the workflow graph invalid (bad wire, cycle, unknown node)."""


class PortTypeError(GraphError):
    """A connection between ports whose types do not match."""


class CycleError(GraphError):
    """A connection that would close a cycle."""


class UnknownNodeTypeError(GraphError):
    """A node type that no installed package provides."""


class NoNodeTypesError(KnotworkError):
    """No installed package registers any node type: Knotwork itself was never installed."""


class LocatedError(KnotworkError):
    """An error that names where it happened: `where` is the setting, port or column at
    fault, `node` the node's label (the engine adds it with `for_node`).

    `str()` reads "node: where: message", so code that shows `str(exc)` needs no change.
    """

    def __init__(self, message: str, *, where: str | None = None, node: str | None = None):
        self.message = message
        self.where = where
        self.node = node
        super().__init__(self._text())

    def _text(self) -> str:
        parts = [p for p in (self.node, self.where) if p]
        return ": ".join([*parts, self.message])

    @property
    def detail(self) -> str:
        """The message without the node label, as a node's own error (the node is known)."""
        return f"{self.where}: {self.message}" if self.where else self.message

    def for_node(self, label: str) -> Self:
        """Return a copy naming the node, used by the engine that knows the label."""
        located = copy.copy(self)
        located.node = label
        located.args = (located._text(),)
        return located


class ConfigureError(LocatedError):
    """A node cannot be configured: a setting or an input spec is wrong.

    `where` names the setting or port at fault so the user knows where to look.
    """


class NodeExecutionError(LocatedError):
    """A node failed while it ran; the message is meant for the analyst.

    `where` names the setting, port or column at fault, as for ConfigureError.
    """


class CancelledError(KnotworkError):
    """A run was cancelled by the user."""


class WorkflowFileError(KnotworkError):
    """A workflow file that cannot be read: names the file, the JSON path and the reason."""

    def __init__(self, path: str, reason: str, json_path: str = "$"):
        self.path = path
        self.reason = reason
        self.json_path = json_path
        super().__init__(f"{path}: {json_path}: {reason}")


class ParameterError(KnotworkError):
    """A workflow parameter that is missing, unknown or of the wrong type."""


class KnotworkWarning(UserWarning):
    """A note for the user (a file from a newer Knotwork, say), not a defect in our code:
    the test suite lets these through while it fails on every other warning we raise."""


class SuiteFileError(KnotworkError):
    """A workflow test file (`*.knotwork-test.json`) that is wrong: names the file and,
    after it, the case and the field at fault."""

    def __init__(self, path: str, reason: str):
        self.path = path
        self.reason = reason
        super().__init__(f"{path}: {reason}")
