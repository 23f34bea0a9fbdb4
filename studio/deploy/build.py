"""Build a bundle from a trained workflow: run it (reusing cached results), capture the
scoring path, freeze static inputs and fitted state, sign, and prove parity by loading
the written bundle back from disk and scoring the rows that reached the Deployment Input.

The bundle is written into a temporary folder beside the target and renamed into place
only once parity holds, so a failed build never leaves a half-written bundle.
"""

from __future__ import annotations

import getpass
import platform
import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import networkx as nx

from studio.core.component import is_component_type
from studio.core.component_edit import flatten
from studio.core.executor import RunResult
from studio.core.fileformat import dumps, workflow_to_dict
from studio.core.ports import Model, Table, TableSpec, Transform
from studio.core.records import NodeRecord
from studio.core.runstate import NodeState
from studio.core.workflow import Workflow
from studio.security.signing import Signer, SigningKey, trusted_keys

from . import environment, gates, lineage, profile, schema
from .archive import sha256, verify_files
from .bundle import GRAPH, Bundle
from .capture import CaptureScope, capture
from .errors import BundleError, ParityError
from .monitoring import SECTION, capture_monitors, monitoring_section
from .onnx_export import export_onnx
from .onnx_mapping import ScopeStep
from .parity import compare, describe_failure
from .plan import prove_on_test_rows
from .state import dump_value, jsonable, table_bytes
from .versions import default_name, is_bundle, next_version
from .writing import move_into_place, write_manifest

BUNDLE_FORMAT = 1


@dataclass
class BuildResult:
    path: Path
    manifest: dict[str, Any]
    parity: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # e.g. "created signing key ..."


@dataclass(frozen=True)
class _Trained:
    """What a bundle is built from: the workflow, its training run and the captured scope."""

    workflow: Workflow
    parameters: dict[str, Any] | None
    scope: CaptureScope
    run: RunResult
    source: Workflow  # as the user has it (`workflow` is it flattened, when it has components)

    def static_values(self) -> list[Any]:
        return [self.workflow.output(lk.source, lk.source_port) for lk in self.scope.static_inputs]

    def fitted_states(self) -> list[Any]:
        return [self.run.fitted(n) for n in self.scope.stateful_nodes]


@dataclass
class _Frozen:
    """The static inputs and fitted state the bundle freezes, and the models among them."""

    files: dict[str, bytes]
    statics: list[dict[str, Any]]
    fitted: dict[str, Any]
    models: dict[str, Model]


@dataclass
class _Interface:
    """What clients send and get back: the schemas, the columns they may leave out, an example."""

    input_spec: TableSpec
    output_spec: TableSpec
    optional: list[str]
    example: list[dict[str, Any]]


@dataclass
class _Environment:
    """What the bundle needs to run elsewhere, and its ONNX fast path when there is one."""

    files: dict[str, bytes]
    pins: dict[str, str]
    onnx_note: Any


def _run(
    workflow: Workflow, parameters: dict[str, Any] | None, scope: CaptureScope
) -> tuple[RunResult, list[str]]:
    """Run the workflow; fail if anything the bundle needs failed, note other failures."""
    result = workflow.run(parameters)
    needed = {scope.output_node, *nx.ancestors(workflow.graph, scope.output_node)}
    failed = [n for n in needed if result.state(n) != NodeState.EXECUTED]
    if failed:
        lines = [
            f'  "{workflow.node(n).label}": {result.error(n) or result.state(n)}' for n in failed
        ]
        raise BundleError(
            "the workflow did not run through to the Deployment Output:\n" + "\n".join(lines)
        )
    return result, [
        f'node "{workflow.node(n).label}" (outside the bundle) failed: {e}'
        for n, e in result.errors.items()
        if n not in needed
    ]


def _subgraph(
    workflow: Workflow, scope: CaptureScope, parameters: dict[str, Any] | None
) -> dict[str, Any]:
    """The captured nodes and inner links in workflow-file form, settings resolved."""
    report = workflow.configure(parameters)
    sub = Workflow(workflow.catalog, workflow.name)
    for nid in scope.order:
        resolved = report.nodes[nid].settings.model_dump(mode="json")
        sub.restore_node(NodeRecord.of(workflow.node(nid), resolved), workflow.layout.get(nid))
    for lk in scope.links:
        sub.connect(lk.source, lk.source_port, lk.target, lk.target_port)
    return workflow_to_dict(sub)


def _onnx_steps(
    workflow: Workflow, scope: CaptureScope, run: RunResult, sub: dict[str, Any]
) -> list[ScopeStep]:
    """The scope as the ONNX export reads it: each node's training output, and the
    fitted transform or frozen model it applies."""
    settings = {n["id"]: n.get("settings", {}) for n in sub["nodes"]}
    steps = []
    for nid in scope.order:
        inst = workflow.node(nid)
        links = workflow.inputs_of(nid)
        fed = {
            port: workflow.output(lk.source, lk.source_port)
            for port, lk in links.items()
            if port in ("transform", "model")
        }
        transform = fed.get("transform")
        if workflow.node_type(nid).stateful:
            fitted = run.fitted(nid)
            model = fitted if isinstance(fitted, Model) else None
            transform = (
                Transform("", list(fitted.get("columns", [])), fitted, inst.type_id, settings[nid])
                if isinstance(fitted, dict)
                else None
            )
        else:
            model = fed.get("model")
        out = workflow.output(nid)
        steps.append(
            ScopeStep(
                inst.type_id,
                inst.label,
                out.df if isinstance(out, Table) else None,
                settings[nid],
                transform if isinstance(transform, Transform) else None,
                model if isinstance(model, Model) else None,
            )
        )
    return steps


def build_bundle(
    workflow: Workflow,
    output_path: str | Path,
    *,
    name: str | None = None,
    version: str | None = None,
    parameters: dict[str, Any] | None = None,
    input_node: str | None = None,
    output_node: str | None = None,
    signing_key: SigningKey = None,
    created_by: str | None = None,
    on_progress: Callable[[str], None] | None = None,
    advisories: str | Path | None = None,
    retraining: dict[str, Any] | None = None,
    overrides: gates.DeployOverrides | None = None,
) -> BuildResult:
    """Run, capture, write, sign and parity-check a bundle at `output_path` (a folder, or one file if it ends in .zip).
    `advisories`: OSV advisory files the recorded dependency audit checks against.
    `overrides`: what the deploy gates (studio.deploy.gates) let through; refused otherwise."""
    say = on_progress or (lambda msg: None)
    target = Path(output_path).expanduser()
    if target.exists() and not is_bundle(target):
        raise BundleError(f"{target} exists and is not a bundle: choose another output path")
    trained, notes = _train(workflow, parameters, input_node, output_node, say)
    signer = _signer(signing_key, notes)
    name = name or default_name(workflow.path, workflow.name, target)
    if (
        version is None
    ):  # siblings signed by this build's key count too, even if it is not trusted here
        keys = {**trusted_keys(), signer.key_id: signer.public_key}
        version = next_version(target, name, keys=keys)
    version = str(version)

    say("freezing state")
    frozen = _freeze(trained)
    gated = _gates(trained, frozen, overrides or gates.DeployOverrides(), notes, say)
    graph = _graph(trained, frozen)
    interface = _interface(trained, frozen)
    files = {
        **frozen.files,
        GRAPH: dumps(graph).encode(),
        **_reference_files(trained, name, version, interface),
    }
    say("capturing monitors")
    monitoring, monitor_files = _monitoring(trained, interface)
    files.update(monitor_files)
    env = _environment(trained, graph, interface, say)
    files.update(env.files)
    say("auditing requirements and files")
    audit = _audit(name, version, files, env.pins, workflow, advisories)
    manifest = _manifest(trained, name, version, created_by, interface, frozen, env, notes, files)
    manifest[SECTION] = monitoring
    manifest.update(gated)
    manifest["audit"] = audit
    if retraining:  # champion, trigger and data window of `knotwork retrain`, signed too
        manifest["retraining"] = retraining
    parity = _write_checked(trained, files, manifest, signer, target, say)
    return BuildResult(target, manifest, parity, notes)


def _gates(
    t: _Trained,
    frozen: _Frozen,
    overrides: gates.DeployOverrides,
    notes: list[str],
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Refuse what the deploy gates refuse; the manifest sections recording what was let through."""
    tables = gates.frozen_tables(t.workflow, t.scope, frozen.statics, frozen.files)
    for table in tables:
        say(f"frozen table {gates.describe_table(table)}")
    learners = gates.fits_in_scope(t.workflow, t.scope, t.run)
    notes += gates.check_scope(learners, tables, overrides)
    validation = lineage.validation_report(t.workflow, list(frozen.models.values()))
    status, failed = gates.check_validation(validation, overrides)
    notes += failed
    say(f"validation report: {status}")
    # the gates passed only because the user said so: the registry's audit log repeats them
    allowed = (["fit_in_scope"] if learners else []) + (["failed_validation"] if failed else [])
    return {
        "frozen_tables": tables,
        "deploy_overrides": {
            "validation_status": status,
            "allowed": allowed,
            "max_frozen_table": overrides.max_frozen_table,
        },
    }


def _audit(
    name: str,
    version: str,
    files: dict[str, bytes],
    pins: dict[str, str],
    workflow: Workflow,
    advisories: str | Path | None,
) -> dict[str, Any]:
    """Add the CycloneDX SBOM to the bundle's files and return the dependency audit the
    manifest records; both are covered by the signature (the SBOM through its file hash)."""
    from studio.security.audit import audit_for_bundle  # pip-audit is heavy to import
    from studio.security.sbom import SBOM_FILE, bundle_sbom

    files[SBOM_FILE] = bundle_sbom(name, version, pins)
    return audit_for_bundle(name, version, files, pins, workflow.path, advisories).to_json()


def _train(
    workflow: Workflow,
    parameters: dict[str, Any] | None,
    input_node: str | None,
    output_node: str | None,
    say: Callable[[str], None],
) -> tuple[_Trained, list[str]]:
    """Run the workflow and capture its scoring path; notes name failures outside it.
    Components are expanded first: a bundle holds their inner nodes, each a library node."""
    source = workflow
    if any(is_component_type(n.type_id) for n in workflow.nodes):
        workflow = flatten(workflow)[0]
    preview = capture(workflow, input_node, output_node, require_results=False)
    say("running the workflow")
    run, notes = _run(workflow, parameters, preview)
    scope = capture(workflow, preview.input_node, preview.output_node)
    return _Trained(workflow, parameters, scope, run, source), notes


def _signer(signing_key: SigningKey, notes: list[str]) -> Signer:
    signer = Signer.resolve(signing_key)
    if signer.created and signer.path is not None:
        notes.append(
            f"created a signing key at {signer.path} "
            f"(public key trusted in {signer.path.parent / 'trusted'})"
        )
    return signer


def _freeze(t: _Trained) -> _Frozen:
    """Serialise each static input and each fitted state (skops, never pickle)."""
    wf, scope = t.workflow, t.scope
    frozen = _Frozen({}, [], {}, {})
    for lk in scope.static_inputs:
        value = wf.output(lk.source, lk.source_port)
        src = wf.node(lk.source)
        desc, extra = dump_value(
            value,
            f"{lk.target}.{lk.target_port.replace(' ', '_')}",
            f'output "{lk.source_port}" of "{src.label}"',
        )
        frozen.files.update(extra)
        frozen.statics.append(
            {
                "node": lk.target,
                "port": lk.target_port,
                "source": {"node": src.id, "label": src.label, "port": lk.source_port},
                "value": desc,
            }
        )
        if isinstance(value, Model):
            frozen.models[src.label] = value
    for nid in scope.stateful_nodes:
        state = t.run.fitted(nid)
        desc, extra = dump_value(state, f"{nid}.fitted", f'fitted state of "{wf.node(nid).label}"')
        frozen.files.update(extra)
        frozen.fitted[nid] = desc
        if isinstance(state, Model):
            frozen.models[wf.node(nid).label] = state
    return frozen


def _graph(t: _Trained, frozen: _Frozen) -> dict[str, Any]:
    """graph.json: the captured subgraph and how the deployed run feeds it."""
    return {
        "format_version": BUNDLE_FORMAT,
        "workflow": _subgraph(t.workflow, t.scope, t.parameters),
        "deployment": {
            "input_node": t.scope.input_node,
            "output_node": t.scope.output_node,
            "order": t.scope.order,
            "static_inputs": frozen.statics,
            "fitted": frozen.fitted,
        },
    }


def _interface(t: _Trained, frozen: _Frozen) -> _Interface:
    wf, scope = t.workflow, t.scope
    inputs = wf.output(scope.input_node)
    input_spec = schema.with_training_categories(
        inputs.spec(), t.static_values() + t.fitted_states()
    )
    # A model's target may pass through the Deployment Input in training (to score the test
    # rows); clients do not send it: it leaves the input schema and is filled with missing values.
    targets = {m.target for m in frozen.models.values() if m.target} | set(
        input_spec.columns_with_role("target")
    )
    optional = [c for c in input_spec.names if c in targets]
    example = jsonable(inputs.df.drop(columns=optional).head(3).to_dict(orient="records"))
    return _Interface(input_spec, wf.output(scope.output_node).spec(), optional, example)


def _reference_files(
    t: _Trained, name: str, version: str, interface: _Interface
) -> dict[str, bytes]:
    """The training data profile and sample (for drift), the example and the OpenAPI document."""
    df = t.workflow.output(t.scope.input_node).df
    i = interface
    return {
        "reference/profile.json": dumps(profile.profile(df)).encode(),
        "reference/sample.parquet": table_bytes(profile.sample(df)),
        "input_example.json": dumps(i.example).encode(),
        "openapi.json": dumps(
            schema.openapi(name, version, i.input_spec, i.output_spec, i.example, i.optional)
        ).encode(),
    }


def _monitoring(t: _Trained, interface: _Interface) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The `monitoring` section and its reference files; monitors read served columns only."""
    inputs = [c for c in interface.input_spec.names if c not in interface.optional]
    rows = t.workflow.output(t.scope.input_node).df[inputs]
    captured, notes = capture_monitors(
        t.workflow, t.parameters, rows, inputs, interface.output_spec.names, interface.optional
    )
    return monitoring_section(captured, notes)


def _environment(
    t: _Trained, graph: dict[str, Any], interface: _Interface, say: Callable[[str], None]
) -> _Environment:
    """The ONNX export when the scope has one, pinned requirements and a Dockerfile."""
    wf, scope = t.workflow, t.scope
    modules = set().union(*(environment.modules_of(wf.node_type(n)) for n in scope.order))
    modules |= lineage.modules_of_values(t.static_values())
    modules |= lineage.modules_of_values(t.fitted_states())
    say("exporting ONNX")
    onnx_bytes, onnx_note = export_onnx(
        _onnx_steps(wf, scope, t.run, graph["workflow"]),
        interface.input_spec,
        wf.output(scope.input_node).df,
    )
    files = {}
    if onnx_bytes is not None:
        files["model.onnx"] = onnx_bytes
        modules |= {"onnxruntime"}
    pins = environment.pinned_requirements(modules)
    files["requirements.txt"] = environment.requirements_txt(pins).encode()
    files["Dockerfile"] = environment.dockerfile(pins).encode()
    return _Environment(files, pins, onnx_note)


def _manifest(
    t: _Trained,
    name: str,
    version: str,
    created_by: str | None,
    interface: _Interface,
    frozen: _Frozen,
    env: _Environment,
    notes: list[str],
    files: dict[str, bytes],
) -> dict[str, Any]:
    """manifest.json before the parity check fills in `parity`."""
    wf, scope, spec = t.workflow, t.scope, interface.input_spec
    models = frozen.models
    return {
        "format": "knotwork-bundle",
        "format_version": BUNDLE_FORMAT,
        "name": name,
        "version": version,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "created_by": created_by or f"{getpass.getuser()}@{socket.gethostname()}",
        "knotwork_version": environment.knotwork_version(),
        "source": lineage.source_info(t.source),
        "parameters": jsonable(wf.parameter_values(t.parameters)),
        "data_fingerprints": lineage.data_fingerprints(wf, scope),
        "input_node": {"id": scope.input_node, "label": wf.node(scope.input_node).label},
        "output_node": {"id": scope.output_node, "label": wf.node(scope.output_node).label},
        "input_schema": TableSpec(
            tuple(c for c in spec.columns if c.name not in interface.optional), spec.roles
        ).to_json(),
        "captured_input_schema": spec.to_json(),
        "optional_columns": interface.optional,
        "output_schema": interface.output_spec.to_json(),
        "metrics": lineage.collect_metrics(wf, models),
        "validation": jsonable(lineage.validation_report(wf, list(models.values()))),
        "parity": {"passed": None},
        "onnx": env.onnx_note,
        "python_version": platform.python_version(),
        "requirements": env.pins,
        "notes": notes,
        "files": {rel: sha256(data) for rel, data in sorted(files.items())},
    }


def _write_checked(
    t: _Trained,
    files: dict[str, bytes],
    manifest: dict[str, Any],
    signer: Signer,
    target: Path,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Write and sign the bundle beside the target, load it back from disk, require it to
    reproduce the training predictions, then move it into place; returns the parity report."""
    wf, scope = t.workflow, t.scope
    request = wf.output(scope.request_link.source, scope.request_link.source_port)
    expected = wf.output(scope.output_node)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for rel, data in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
        write_manifest(tmp, manifest, signer)
        say("checking parity")
        bundle = Bundle.load(tmp, trusted_keys=[signer.public_key])
        parity = compare(expected.df, bundle.predict_graph(request.df))
        if not parity["passed"]:
            raise ParityError(
                "parity check failed: the bundle does not reproduce the training run.\n"
                + describe_failure(parity),
                parity["differences"],
            )
        manifest["parity"] = parity
        manifest["scoring"] = prove_on_test_rows(bundle, expected.df, request.df)
        write_manifest(tmp, manifest, signer)
        move_into_place(tmp, target, target.suffix.lower() == ".zip")
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    verify_files(target, [signer.public_key])
    return parity
