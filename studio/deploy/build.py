"""Build a bundle from a trained workflow: run it (reusing cached results), capture the
scoring path, freeze static inputs and fitted state, sign, and prove parity by loading
the written bundle back from disk and scoring the rows that reached the Deployment Input.

The bundle is written into a temporary folder beside the target and renamed into place
only once parity holds, so a failed build never leaves a half-written bundle.
"""

from __future__ import annotations

import getpass
import os
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
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studio.core.executor import RunResult
from studio.core.fileformat import dumps, workflow_to_dict
from studio.core.ports import Model, Table, TableSpec, Transform
from studio.core.runstate import NodeState
from studio.core.workflow import Workflow
from studio.security.signing import default_signing_key, load_private_key, sign

from . import environment, lineage, profile, schema
from .archive import MANIFEST, SIGNATURE, sha256, verify_files, write_zip
from .bundle import GRAPH, Bundle
from .capture import CaptureScope, capture
from .errors import BundleError, ParityError
from .onnx_export import export_onnx
from .onnx_mapping import ScopeStep
from .parity import compare, describe_failure
from .state import dump_value, jsonable, table_bytes
from .versions import default_name, is_bundle, next_version

BUNDLE_FORMAT = 1


@dataclass
class BuildResult:
    path: Path
    manifest: dict[str, Any]
    parity: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # e.g. "created signing key ..."


def _signing_key(signing_key: Any, notes: list[str]) -> Ed25519PrivateKey:
    if isinstance(signing_key, Ed25519PrivateKey):
        return signing_key
    if signing_key is not None:
        return load_private_key(signing_key)
    key, path, created = default_signing_key(create=True)
    if created:
        notes.append(
            f"created a signing key at {path} (public key trusted in {path.parent / 'trusted'})"
        )
    return key


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
        inst = workflow.node(nid)
        sub.add_node(
            inst.type_id,
            inst.label,
            report.nodes[nid].settings.model_dump(mode="json"),
            id=nid,
            position=workflow.layout.get(nid),
        )
        sub.node(nid).label = inst.label
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
    signing_key: Any = None,
    created_by: str | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> BuildResult:
    """Run, capture, write, sign and parity-check a bundle at `output_path` (a folder, or one file if it ends in .zip)."""
    say = on_progress or (lambda msg: None)
    target = Path(output_path).expanduser()
    as_zip = target.suffix.lower() == ".zip"
    if target.exists() and not is_bundle(target):
        raise BundleError(f"{target} exists and is not a bundle: choose another output path")
    notes: list[str] = []
    preview = capture(workflow, input_node, output_node, require_results=False)
    say("running the workflow")
    run, failures = _run(workflow, parameters, preview)
    notes += failures
    scope = capture(workflow, preview.input_node, preview.output_node)
    key = _signing_key(signing_key, notes)

    name = name or default_name(workflow.path, workflow.name, target)
    version = str(version) if version is not None else next_version(target, name)

    say("freezing state")
    files: dict[str, bytes] = {}
    statics, models = [], {}
    for lk in scope.static_inputs:
        value = workflow.output(lk.source, lk.source_port)
        src = workflow.node(lk.source)
        desc, extra = dump_value(
            value,
            f"{lk.target}.{lk.target_port.replace(' ', '_')}",
            f'output "{lk.source_port}" of "{src.label}"',
        )
        files.update(extra)
        statics.append(
            {
                "node": lk.target,
                "port": lk.target_port,
                "source": {"node": src.id, "label": src.label, "port": lk.source_port},
                "value": desc,
            }
        )
        if isinstance(value, Model):
            models[src.label] = value
    fitted = {}
    for nid in scope.stateful_nodes:
        state = run.fitted(nid)
        desc, extra = dump_value(
            state, f"{nid}.fitted", f'fitted state of "{workflow.node(nid).label}"'
        )
        files.update(extra)
        fitted[nid] = desc
        if isinstance(state, Model):
            models[workflow.node(nid).label] = state
    graph = {
        "format_version": BUNDLE_FORMAT,
        "workflow": _subgraph(workflow, scope, parameters),
        "deployment": {
            "input_node": scope.input_node,
            "output_node": scope.output_node,
            "order": scope.order,
            "static_inputs": statics,
            "fitted": fitted,
        },
    }
    files[GRAPH] = dumps(graph).encode()

    request = workflow.output(scope.request_link.source, scope.request_link.source_port)
    inputs = workflow.output(scope.input_node)
    expected = workflow.output(scope.output_node)
    input_spec, output_spec = inputs.spec(), expected.spec()
    frozen = [workflow.output(lk.source, lk.source_port) for lk in scope.static_inputs]
    input_spec = schema.with_training_categories(
        input_spec, frozen + [run.fitted(n) for n in scope.stateful_nodes]
    )
    # A model's target may pass through the Deployment Input in training (to score the test
    # rows); clients do not send it: it leaves the input schema and is filled with missing values.
    targets = {m.target for m in models.values() if m.target} | set(
        input_spec.columns_with_role("target")
    )
    optional = [c for c in input_spec.names if c in targets]
    example = jsonable(inputs.df.drop(columns=optional).head(3).to_dict(orient="records"))
    files["reference/profile.json"] = dumps(profile.profile(inputs.df)).encode()
    files["reference/sample.parquet"] = table_bytes(profile.sample(inputs.df))
    files["input_example.json"] = dumps(example).encode()
    files["openapi.json"] = dumps(
        schema.openapi(name, version, input_spec, output_spec, example, optional)
    ).encode()

    modules = set().union(*(environment.modules_of(workflow.node_type(n)) for n in scope.order))
    modules |= lineage.modules_of_values(
        [workflow.output(lk.source, lk.source_port) for lk in scope.static_inputs]
    )
    modules |= lineage.modules_of_values([run.fitted(n) for n in scope.stateful_nodes])
    say("exporting ONNX")
    onnx_bytes, onnx_note = export_onnx(
        _onnx_steps(workflow, scope, run, graph["workflow"]), input_spec, inputs.df
    )
    if onnx_bytes is not None:
        files["model.onnx"] = onnx_bytes
        modules |= {"onnxruntime"}
    pins = environment.pinned_requirements(modules)
    files["requirements.txt"] = environment.requirements_txt(pins).encode()
    files["Dockerfile"] = environment.dockerfile(pins).encode()

    validation = lineage.validation_report(workflow, list(models.values()))
    manifest: dict[str, Any] = {
        "format": "knotwork-bundle",
        "format_version": BUNDLE_FORMAT,
        "name": name,
        "version": version,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "created_by": created_by or f"{getpass.getuser()}@{socket.gethostname()}",
        "knotwork_version": environment.knotwork_version(),
        "source": lineage.source_info(workflow),
        "parameters": jsonable(workflow.parameter_values(parameters)),
        "data_fingerprints": lineage.data_fingerprints(workflow, scope),
        "input_node": {"id": scope.input_node, "label": workflow.node(scope.input_node).label},
        "output_node": {"id": scope.output_node, "label": workflow.node(scope.output_node).label},
        "input_schema": TableSpec(
            tuple(c for c in input_spec.columns if c.name not in optional), input_spec.roles
        ).to_json(),
        "captured_input_schema": input_spec.to_json(),
        "optional_columns": optional,
        "output_schema": output_spec.to_json(),
        "metrics": lineage.collect_metrics(workflow, models),
        "validation": jsonable(validation),
        "parity": {"passed": None},
        "onnx": onnx_note,
        "python_version": platform.python_version(),
        "requirements": pins,
        "notes": notes,
        "files": {rel: sha256(data) for rel, data in sorted(files.items())},
    }

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for rel, data in files.items():
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            (tmp / rel).write_bytes(data)
        _write_manifest(tmp, manifest, key)
        say("checking parity")
        bundle = Bundle.load(tmp, trusted_keys=[key.public_key()])
        actual = bundle.predict(request.df)
        parity = compare(expected.df, actual)
        if not parity["passed"]:
            raise ParityError(
                "parity check failed: the bundle does not reproduce the training run.\n"
                + describe_failure(parity),
                parity["differences"],
            )
        manifest["parity"] = parity
        _write_manifest(tmp, manifest, key)
        _move_into_place(tmp, target, as_zip)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    verify_files(target, [key.public_key()])
    return BuildResult(target, manifest, parity, notes)


def _write_manifest(folder: Path, manifest: dict[str, Any], key: Ed25519PrivateKey) -> None:
    raw = dumps(manifest).encode()
    (folder / MANIFEST).write_bytes(raw)
    (folder / SIGNATURE).write_bytes(dumps(sign(raw, key)).encode())


def _move_into_place(tmp: Path, target: Path, as_zip: bool) -> None:
    """Rename the finished bundle over the target; an older bundle there is replaced whole."""
    if as_zip:
        files = {
            p.relative_to(tmp).as_posix(): p.read_bytes()
            for p in sorted(tmp.rglob("*"))
            if p.is_file()
        }
        fd, tmp_zip = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        try:
            write_zip(files, Path(tmp_zip))
            os.replace(tmp_zip, target)
        finally:
            if os.path.exists(tmp_zip):
                os.unlink(tmp_zip)
        return
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, old)
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; a bundle is meant to be shared
    os.rename(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
