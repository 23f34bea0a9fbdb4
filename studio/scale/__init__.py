"""Scale out on Dask: cluster-backed workflow runs (`Cluster`) and out-of-core batch
scoring (`scoring.score_on_cluster`). Nothing here is imported unless a cluster is asked for."""

from __future__ import annotations

from .cluster import Cluster, ClusterError, parse_spec

__all__ = ["Cluster", "ClusterError", "parse_spec"]
