"""The node catalogue, built from the `knotwork.nodes` entry points.

An entry point may name a node class, a list of them, or a function returning one,
so third-party packages register nodes exactly as the built-in library does.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from importlib.metadata import entry_points

from .errors import NoNodeTypesError, UnknownNodeTypeError
from .node import NodeType

ENTRY_POINT_GROUP = "knotwork.nodes"


class Catalog:
    def __init__(self, types: Iterable[type[NodeType]] = ()):
        self._types: dict[str, type[NodeType]] = {}
        for t in types:
            self.register(t)

    def register(self, node_type: type[NodeType]) -> None:
        if not node_type.type_id:
            raise ValueError(f"node class {node_type.__name__} has no type_id")
        self._types[node_type.type_id] = node_type

    def unregister(self, type_id: str) -> None:
        self._types.pop(type_id, None)

    def child(self) -> Catalog:
        """A copy to add types to (a workflow's components) without changing this one."""
        return Catalog(self._types.values())

    def get(self, type_id: str) -> type[NodeType]:
        try:
            return self._types[type_id]
        except KeyError:
            raise UnknownNodeTypeError(
                f"unknown node type {type_id!r}: no installed package provides it "
                f"(install the package that registers it under the '{ENTRY_POINT_GROUP}' entry points)"
            ) from None

    def __contains__(self, type_id: str) -> bool:
        return type_id in self._types

    def all(self) -> list[type[NodeType]]:
        return sorted(self._types.values(), key=lambda t: (t.category, t.name))

    def categories(self) -> dict[str, list[type[NodeType]]]:
        out: dict[str, list[type[NodeType]]] = {}
        for t in self.all():
            out.setdefault(t.category, []).append(t)
        return out


def _expand(obj: object) -> list[type[NodeType]]:
    if isinstance(obj, type) and issubclass(obj, NodeType):
        return [obj]
    if callable(obj):
        obj = obj()
    return [t for t in obj if isinstance(t, type) and issubclass(t, NodeType)]  # type: ignore[union-attr]


@functools.lru_cache(maxsize=1)
def default_catalog() -> Catalog:
    """Every node type installed in this environment (the built-in library registers itself
    through the same entry points as any third-party package)."""
    cat = Catalog()
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        for t in _expand(ep.load()):
            cat.register(t)
    if not cat.all():
        raise NoNodeTypesError(
            f"no node types are installed: no package registers any under the "
            f"'{ENTRY_POINT_GROUP}' entry points. Install Knotwork so its built-in nodes "
            f"register themselves (from a source checkout: `pip install -e .`)"
        )
    return cat
