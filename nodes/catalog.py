"""Every built-in node type, registered through the `knotwork.nodes` entry point."""

from __future__ import annotations

import importlib
import pkgutil

from studio.core.node import NodeType

CATEGORY_PACKAGES = (
    "io",
    "manipulation",
    "preprocessing",
    "validation",
    "learners",
    "scoring",
    "visualization",
    "deployment",
    "monitoring",
    "components",
)


def builtin_node_types() -> list[type[NodeType]]:
    """Import every node module of the library and collect the concrete node classes."""
    found: dict[str, type[NodeType]] = {}
    for pkg_name in CATEGORY_PACKAGES:
        pkg = importlib.import_module(f"nodes.{pkg_name}")
        for info in pkgutil.iter_modules(pkg.__path__):
            mod = importlib.import_module(f"nodes.{pkg_name}.{info.name}")
            for obj in vars(mod).values():
                if (
                    isinstance(obj, type)
                    and issubclass(obj, NodeType)
                    and obj.type_id
                    and obj.__module__ == mod.__name__
                ):
                    found[obj.type_id] = obj
    return list(found.values())
