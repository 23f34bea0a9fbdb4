"""A long-running node as one Dask task: `run_node` on a worker, its joblib work on the same
cluster, its outcome sent back the way a NodeWorkers process sends it. Runs on the workers,
so it imports only what a worker has (this package, the core, the node's module)."""

from __future__ import annotations

from typing import Any

from studio.core.node import NodeType, run_node
from studio.core.workers import context_from_fields, error_message

from .backend import on_cluster


def run_node_task(
    node_type: type[NodeType], settings: Any, inputs: list[Any], fields: dict[str, Any], topic: str
) -> tuple:
    """("done", outputs, fitted, warnings) or ("error", exc, kind, text, warnings); progress
    goes out live as events on `topic`, warnings come back with the outcome."""
    from distributed import get_client, get_worker

    worker = get_worker()
    warnings: list[str] = []
    ctx = context_from_fields(
        fields,
        on_progress=lambda f, m: worker.log_event(topic, (f, m)),
        on_warning=warnings.append,
    )
    try:
        with on_cluster(get_client(), worker.scheduler.address):
            outputs, fitted = run_node(node_type, settings, inputs, ctx)
    except BaseException as exc:  # the node's error, as the executor would have seen it here
        return (*error_message(exc), warnings)
    return ("done", outputs, fitted, warnings)
