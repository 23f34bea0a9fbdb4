"""The outcome of the last configure and run of each node: its state, its error and its
cached outputs. A `Workflow` owns one `RunState`; the executor records into it through
this API, so the model never has its internals written from outside.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from enum import Enum
from typing import Any


class NodeState(str, Enum):
    """KNIME's lifecycle: unconfigured → configured → executing → executed, or failed.

    A `str` so it compares equal to, prints as and serialises to its value ("executed").
    """

    UNCONFIGURED = "unconfigured"
    CONFIGURED = "configured"
    EXECUTING = "executing"
    EXECUTED = "executed"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


@dataclass
class CacheEntry:
    """A node's last outputs, under the key of what produced them (see the executor)."""

    key: str
    outputs: list[Any]
    fitted: Any = None
    seconds: float = 0.0


class RunState:
    """Per-node state, error message and cache entry; safe to record from worker threads."""

    def __init__(self) -> None:
        self._states: dict[str, NodeState] = {}
        self._errors: dict[str, str] = {}
        self._cache: dict[str, CacheEntry] = {}
        self._lock = threading.Lock()

    def state(self, nid: str) -> NodeState:
        return self._states.get(nid, NodeState.UNCONFIGURED)

    def error(self, nid: str) -> str | None:
        return self._errors.get(nid)

    def entry(self, nid: str) -> CacheEntry | None:
        return self._cache.get(nid)

    def outputs(self, nid: str) -> list[Any] | None:
        """The cached outputs of an executed node, else None."""
        entry = self._cache.get(nid)
        if entry is None or self.state(nid) != NodeState.EXECUTED:
            return None
        return entry.outputs

    def set_state(self, nid: str, state: NodeState, error: str | None = None) -> None:
        """Record a state; an error message is kept with it (and dropped by any other state)."""
        with self._lock:
            self._states[nid] = state
            if error is None:
                self._errors.pop(nid, None)
            else:
                self._errors[nid] = error

    def mark_configured(self, nid: str) -> None:
        """Configure succeeded: a node holding results keeps them; the last error stays shown."""
        with self._lock:
            if self._states.get(nid) != NodeState.EXECUTED:
                self._states[nid] = NodeState.CONFIGURED

    def store(self, nid: str, entry: CacheEntry) -> None:
        with self._lock:
            self._cache[nid] = entry

    def drop_cache(self, nid: str) -> None:
        with self._lock:
            self._cache.pop(nid, None)

    def forget(self, nid: str) -> None:
        """Drop everything known about a node (it left the workflow)."""
        with self._lock:
            self._states.pop(nid, None)
            self._errors.pop(nid, None)
            self._cache.pop(nid, None)
