"""Knotwork: build ML workflows visually, run them headless, deploy exactly what was trained."""

from __future__ import annotations

from ._version import __version__
from .core import Workflow
from .core.workflow import use_cluster_backend

__all__ = ["Bundle", "Workflow", "__version__"]


def _open_cluster(cluster: object):
    # Dask is imported only when a run asks for a cluster; the core never imports it.
    from .scale.cluster import Cluster

    return Cluster.of(cluster)


use_cluster_backend(_open_cluster)


def __getattr__(name: str):
    # Loaded on first use so `import studio` stays light (no skops/cryptography import).
    if name == "Bundle":
        from .deploy.bundle import Bundle

        return Bundle
    raise AttributeError(f"module 'studio' has no attribute {name!r}")
