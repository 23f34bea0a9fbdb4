"""The monitors a bundle carries: every Monitoring node of the trained workflow (a node
type with `monitor_spec`), its definition, its reference rows from the training run and
the numbers it reported there; or, with no such node, a default Drift Monitor on every
input column. Written into `manifest.json` → `monitoring` and `reference/`, so they are
signed with the rest; `studio.monitor.bundle` reads them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from studio.core.errors import KnotworkError
from studio.core.ports import Table
from studio.core.runstate import NodeState
from studio.core.workflow import NodeInstance, Workflow
from studio.monitor import DriftMonitorSpec, MonitorError
from studio.monitor.drift import ReferenceProfile
from studio.monitor.frames import OUTPUT_SUFFIX

from .errors import BundleError
from .state import jsonable, table_bytes

SECTION = "monitoring"
DEFAULT_NAME, DEFAULT_NODE = "Drift", "default"
DEFAULT_NOTE = "no monitoring node in the workflow: a default Drift Monitor watches every input"


def is_monitoring_node(workflow: Workflow, node: NodeInstance) -> bool:
    """Monitoring nodes are the types that can say what they watch (`monitor_spec`)."""
    return callable(getattr(workflow.node_type(node.id), "monitor_spec", None))


def monitoring_nodes(workflow: Workflow) -> list[NodeInstance]:
    return [n for n in workflow.nodes if is_monitoring_node(workflow, n)]


@dataclass(frozen=True)
class CapturedMonitor:
    spec: Any  # a studio.monitor MonitorSpec
    reference: pd.DataFrame
    node: str
    training: dict[str, Any]


def spec_columns(spec: Any) -> list[str]:
    """The served columns a monitor reads (the truth of a performance monitor comes from feedback)."""
    if spec.kind == "drift":
        return list(spec.columns or [])
    return [c for c in [spec.prediction, *spec.scores.values()] if c]


def served_columns(inputs: list[str], outputs: list[str]) -> list[str]:
    """The columns of a logged row: request inputs, then outputs ("x (output)" if named like an input)."""
    return inputs + [c + OUTPUT_SUFFIX if c in inputs else c for c in outputs]


def _node_inputs(workflow: Workflow, nid: str) -> list[Any]:
    links = workflow.inputs_of(nid)
    return [
        workflow.output(links[p.name].source, links[p.name].source_port)
        if p.name in links
        else None
        for p in workflow.node_type(nid).inputs
    ]


def _capture_node(workflow: Workflow, node: NodeInstance, settings: Any) -> CapturedMonitor:
    label = node.label
    if workflow.state(node.id) != NodeState.EXECUTED:
        raise BundleError(
            f'monitoring node "{label}" did not run in the training run '
            f"({workflow.error(node.id) or workflow.state(node.id).value}): fix it or remove it"
        )
    inputs = _node_inputs(workflow, node.id)
    impl = workflow.node_type(node.id)()
    try:
        spec = impl.monitor_spec(
            settings, [v.spec() if v is not None else None for v in inputs], label
        )
        reference = impl.reference(settings, inputs)
    except KnotworkError as exc:
        raise BundleError(f'monitoring node "{label}": {getattr(exc, "detail", exc)}') from None
    report = workflow.output(node.id, "report")
    training = {
        "rows": len(reference),
        "report": jsonable(report.df.to_dict(orient="records"))
        if isinstance(report, Table)
        else [],
    }
    return CapturedMonitor(spec, reference, label, training)


def default_monitor(rows: pd.DataFrame, inputs: list[str]) -> CapturedMonitor:
    """A Drift Monitor on every input column that has values, against the Deployment Input's rows."""
    spec = DriftMonitorSpec(name=DEFAULT_NAME)
    profiles = {}
    for column in inputs:
        try:
            profiles.update(ReferenceProfile.from_frame(rows, spec.settings, [column]).columns)
        except MonitorError:
            continue  # no values to compare with (an all-missing column)
    spec = spec.model_copy(update={"columns": list(profiles)})
    report = [
        {
            "column": p.column,
            "kind": p.kind,
            "test": p.test,
            "threshold": spec.settings.threshold(p.test),
            "n_reference": p.n,
        }
        for p in profiles.values()
    ]
    return CapturedMonitor(
        spec, rows[spec.columns], DEFAULT_NODE, {"rows": len(rows), "report": report}
    )


def capture_monitors(
    workflow: Workflow,
    parameters: dict[str, Any] | None,
    input_rows: pd.DataFrame,
    inputs: list[str],
    outputs: list[str],
    optional: list[str] = (),
) -> tuple[list[CapturedMonitor], list[str]]:
    """The workflow's monitors (or the default one) and notes; a monitor reading a column
    the served rows will not hold is refused, naming the node and the column."""
    nodes = monitoring_nodes(workflow)
    if not nodes:
        return [default_monitor(input_rows, inputs)], [DEFAULT_NOTE]
    report = workflow.configure(parameters)
    served = served_columns(inputs, outputs)
    captured = []
    for node in nodes:
        if node.id not in report.nodes:
            problem = report.errors.get(node.id)
            detail = problem.detail if problem else "not configured (an upstream node failed)"
            raise BundleError(f'monitoring node "{node.label}": {detail}')
        monitor = _capture_node(workflow, node, report.nodes[node.id].settings)
        missing = [c for c in spec_columns(monitor.spec) if c not in served]
        targets = [c for c in missing if c in optional]
        if targets:
            raise BundleError(
                f'monitoring node "{node.label}": column(s) {", ".join(map(repr, targets))} '
                "are a model's target, which requests leave out, so the served rows will not "
                "hold them: mark them as the target (Column Roles) so the monitor's default "
                "skips them, or choose the monitor's columns"
            )
        if missing:
            raise BundleError(
                f'monitoring node "{node.label}": column(s) {", ".join(map(repr, missing))} '
                f"will not be in the served rows (request inputs: {', '.join(inputs)}; "
                f"Deployment Output: {', '.join(outputs)}): add them to the Deployment Output "
                "or choose other columns in the monitor"
            )
        captured.append(monitor)
    return captured, []


def monitoring_section(
    captured: list[CapturedMonitor], notes: list[str]
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest section and the reference files it names."""
    files, monitors = {}, []
    for n, monitor in enumerate(captured):
        name = f"reference/monitor-{n}.parquet"
        files[name] = table_bytes(monitor.reference)
        monitors.append(
            {
                "spec": monitor.spec.model_dump(mode="json"),
                "reference": name,
                "node": monitor.node,
                "training": jsonable(monitor.training),
            }
        )
    return {"monitors": monitors, "notes": notes}, files


def planned_monitors(workflow: Workflow) -> tuple[list[dict[str, Any]], list[str]]:
    """What a build of this workflow would carry, before building: each monitoring node's
    definition from its last run or its configured specs (or why it is not known yet)."""
    nodes = monitoring_nodes(workflow)
    if not nodes:
        return [_default_description()], [DEFAULT_NOTE]
    report = workflow.configure()
    planned = []
    for node in nodes:
        configured = report.nodes.get(node.id)
        if configured is None:
            problem = report.errors.get(node.id)
            planned.append(
                {
                    "name": node.label,
                    "node": node.label,
                    "problem": f"not configured: {problem.detail}"
                    if problem
                    else "not configured yet",
                }
            )
            continue
        inputs = _node_inputs(workflow, node.id)
        specs = [v.spec() if v is not None else s for v, s in zip(inputs, configured.input_specs)]
        ports = workflow.node_type(node.id).inputs
        if any(s is None and not p.optional for s, p in zip(specs, ports)):
            planned.append(
                {
                    "name": node.label,
                    "node": node.label,
                    "problem": "its columns are known once the workflow has run",
                }
            )
            continue
        try:
            spec = workflow.node_type(node.id)().monitor_spec(
                configured.settings, specs, node.label
            )
        except KnotworkError as exc:
            planned.append(
                {
                    "name": node.label,
                    "node": node.label,
                    "problem": f"not configured: {getattr(exc, 'detail', exc)}",
                }
            )
            continue
        planned.append(_describe(spec.model_dump(mode="json"), node.label))
    return planned, []


def describe_monitors(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    """One line's worth per monitor (name, kind, what it watches, threshold), for
    `bundle inspect`, `Bundle.summary()` and the studio."""
    section = manifest.get(SECTION)
    if section is None:  # built before monitoring sections: read as the default
        return [_default_description()]
    return [_describe(m["spec"], m.get("node", "")) for m in section.get("monitors", [])]


def _default_description() -> dict[str, Any]:
    spec = DriftMonitorSpec(name=DEFAULT_NAME).model_dump(mode="json")
    return {**_describe(spec, DEFAULT_NODE), "watches": "every input column"}


def _describe(spec: dict[str, Any], node: str) -> dict[str, Any]:
    settings = spec.get("settings", {})
    window = spec.get("window", {}).get("size")
    window = f"{window} rows" if isinstance(window, int) else window
    entry = {"name": spec.get("name"), "kind": spec.get("kind"), "node": node, "window": window}
    if spec.get("kind") == "drift":
        entry["watches"] = ", ".join(spec.get("columns") or []) or "every column"
        entry["threshold"] = (
            f"dataset drift when {settings.get('drift_share')} of the columns drift"
        )
        return entry
    bounds = [
        f"floor {settings['floor']}" if settings.get("floor") is not None else "",
        f"ceiling {settings['ceiling']}" if settings.get("ceiling") is not None else "",
    ]
    entry["watches"] = settings.get("metric")
    entry["threshold"] = " and ".join(b for b in bounds if b) or "none (reported only)"
    return entry
