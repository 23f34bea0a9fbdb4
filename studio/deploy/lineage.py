"""What a manifest records about where a bundle came from: the source workflow, the
training data's fingerprints, metrics, the Validation Report, and the distributions
the frozen objects need."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from studio.core.fileformat import dumps, workflow_to_dict
from studio.core.ports import Metrics, Model, PortType, Table, Transform
from studio.core.workflow import Workflow

from . import environment
from .archive import sha256
from .capture import CaptureScope
from .state import jsonable


def source_info(workflow: Workflow) -> dict[str, Any]:
    canonical = dumps(workflow_to_dict(workflow))
    out: dict[str, Any] = {
        "path": str(workflow.path) if workflow.path else None,
        "sha256": sha256(canonical.encode()),
        "unsaved_changes": True,
    }
    if workflow.path and Path(workflow.path).is_file():
        on_disk = Path(workflow.path).read_bytes()
        same = json.loads(on_disk) | {"knotwork_version": ""} == json.loads(canonical) | {
            "knotwork_version": ""
        }
        if same:
            out.update(sha256=sha256(on_disk), unsaved_changes=False)
    return out


def collect_metrics(workflow: Workflow, models: dict[str, Model]) -> dict[str, Any]:
    scores: dict[str, Any] = {}
    for inst in workflow.nodes:
        for port in workflow.node_type(inst.id).outputs:
            if port.type == PortType.METRICS:
                value = workflow.output(inst.id, port.name)
                if isinstance(value, Metrics):
                    scores[
                        inst.label if port.name == "metrics" else f"{inst.label}.{port.name}"
                    ] = jsonable(value.values)
    return {
        "training": {label: jsonable(m.metrics) for label, m in models.items()},
        "scores": scores,
    }


def data_fingerprints(workflow: Workflow, scope: CaptureScope) -> dict[str, str]:
    """SHA-256 of every source table the bundle was trained from (nodes without inputs
    upstream of the scope), so a registry can tell which data a version saw."""
    upstream = set().union(*(nx.ancestors(workflow.graph, n) for n in scope.nodes))
    out = {}
    for nid in sorted(upstream):
        if workflow.graph.in_degree(nid) == 0:
            value = workflow.output(nid)
            if isinstance(value, Table):
                h = hashlib.sha256("\x1f".join(map(str, value.df.columns)).encode())
                h.update(pd.util.hash_pandas_object(value.df, index=True).to_numpy().tobytes())
                out[workflow.node(nid).label] = h.hexdigest()
    return out


def validation_report(workflow: Workflow, models: list[Model]) -> dict[str, Any] | None:
    """The Validation Report of a frozen model: on the model itself, or on a validated copy of
    it elsewhere in the workflow (a Validation Report node's output shares the estimator)."""
    found = next((m.validation for m in models if m.validation), None)
    if found is not None:
        return found
    estimators = {id(m.estimator) for m in models}
    for inst in workflow.nodes:
        for port in workflow.node_type(inst.id).outputs:
            if port.type == PortType.MODEL:
                value = workflow.output(inst.id, port.name)
                if (
                    isinstance(value, Model)
                    and value.validation
                    and id(value.estimator) in estimators
                ):
                    return value.validation
    return None


def modules_of_values(value: Any) -> set[str]:
    if isinstance(value, Model):
        return environment.modules_of(value.estimator)
    if isinstance(value, Transform):
        return modules_of_values(value.state)
    if isinstance(value, dict):
        return set().union(*map(modules_of_values, value.values())) if value else set()
    if isinstance(value, (list, tuple)):
        return set().union(*map(modules_of_values, value)) if value else set()
    return environment.modules_of(value) if value is not None else set()
