"""The `*.knotwork.json` workflow file: one UTF-8 JSON document with sorted keys and
two-space indent, so `git diff` reads like a review. Logic and layout live apart;
data and secrets never appear. Loading validates the schema, names the JSON path of
any problem, and migrates settings saved by older node versions.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from studio._version import __version__

from .component import ComponentDefinition, is_component_type
from .errors import GraphError, KnotworkError, KnotworkWarning, WorkflowFileError
from .parameters import PARAM_TYPES, Parameter
from .records import NodeRecord

if TYPE_CHECKING:
    from .workflow import Workflow

# 2: the `components` section (definitions of the components the nodes are instances of)
FORMAT_VERSION = 2
SECRET_PREFIXES = ("env:", "keyring:")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LinkRecord(_Strict):
    source: str
    source_port: str
    target: str
    target_port: str


class ParameterRecord(_Strict):
    type: str
    value: Any = None
    description: str = ""


class AnnotationRecord(_Strict):
    id: str
    text: str
    x: float = 0.0
    y: float = 0.0
    width: float = 200.0
    height: float = 80.0


class LayoutRecord(_Strict):
    nodes: dict[str, tuple[float, float]] = Field(default_factory=dict)


class WorkflowRecord(_Strict):
    format_version: int = Field(ge=1)
    knotwork_version: str = ""
    name: str = ""
    description: str = ""
    nodes: list[NodeRecord] = Field(default_factory=list)
    connections: list[LinkRecord] = Field(default_factory=list)
    parameters: dict[str, ParameterRecord] = Field(default_factory=dict)
    annotations: list[AnnotationRecord] = Field(default_factory=list)
    layout: LayoutRecord = Field(default_factory=LayoutRecord)
    components: dict[str, dict[str, Any]] = Field(default_factory=dict)


def _from_format_1(data: dict[str, Any]) -> dict[str, Any]:
    """Format 1 had no components: its nodes are all library nodes."""
    return {**data, "components": {}, "format_version": 2}


# format version -> the step that lifts a file of that version to the next one
MIGRATIONS = {1: _from_format_1}


def migrate_format(data: dict[str, Any]) -> dict[str, Any]:
    """Lift the JSON of an older workflow file, step by step, to FORMAT_VERSION."""
    version = data.get("format_version")
    while isinstance(version, int) and not isinstance(version, bool) and version in MIGRATIONS:
        data = MIGRATIONS[version](data)
        version = data["format_version"]
    return data


def _json_path(loc: tuple) -> str:
    out = "$"
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def used_components(wf: Workflow) -> dict[str, ComponentDefinition]:
    """The definitions the workflow's nodes are instances of, and those nested in them."""
    todo = [n.type_id.removeprefix("component.") for n in wf.nodes if is_component_type(n.type_id)]
    used: dict[str, ComponentDefinition] = {}
    while todo:
        cid = todo.pop()
        if cid in used or cid not in wf.components:
            continue
        used[cid] = wf.components[cid]
        todo.extend(used[cid].uses())
    return dict(sorted(used.items()))


def workflow_to_dict(wf: Workflow) -> dict[str, Any]:
    _refuse_secrets(wf)
    return {
        **inner_workflow_dict(wf),
        "format_version": FORMAT_VERSION,
        "knotwork_version": __version__,
        "name": wf.name,
        "description": wf.description,
        "components": {cid: d.to_json() for cid, d in used_components(wf).items()},
    }


def inner_workflow_dict(wf: Workflow) -> dict[str, Any]:
    """The logic and layout of a workflow: what a component definition keeps of its inner one."""
    return {
        "nodes": [NodeRecord.of(n).to_json() for n in wf.nodes],
        "connections": [
            {
                "source": lk.source,
                "source_port": lk.source_port,
                "target": lk.target,
                "target_port": lk.target_port,
            }
            for lk in sorted(wf.links, key=lambda lk: (lk.target, lk.target_port))
        ],
        "parameters": {
            name: {"type": p.type, "value": p.value, "description": p.description}
            for name, p in wf.parameters.items()
        },
        "annotations": [
            {"id": a.id, "text": a.text, "x": a.x, "y": a.y, "width": a.width, "height": a.height}
            for a in wf.annotations.values()
        ],
        "layout": {"nodes": {nid: [x, y] for nid, (x, y) in wf.layout.items() if nid in wf.graph}},
    }


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def atomic_write(path: str | Path, text: str | bytes) -> None:
    """Write a file so that a crash leaves either the old or the new content, never half."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8") if isinstance(text, str) else text
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_workflow(wf: Workflow, path: str | Path) -> None:
    atomic_write(path, dumps(workflow_to_dict(wf)))


def _refuse_secrets(wf: Workflow) -> None:
    """A secret setting must hold a reference (env:NAME, keyring:service/user), never a
    value: in the workflow's nodes and in those inside its components."""
    nodes = [(n.label, n.type_id, n.settings) for n in wf.nodes]
    for d in used_components(wf).values():
        nodes += [(n["label"], n["type_id"], n.get("settings", {})) for n in d.workflow["nodes"]]
    for label, type_id, settings in nodes:
        schema = wf.catalog.get(type_id).Settings.model_fields
        for name, f in schema.items():
            extra = f.json_schema_extra if isinstance(f.json_schema_extra, dict) else {}
            value = settings.get(name)
            if (
                extra.get("ui") == "secret"
                and value
                and not str(value).startswith(SECRET_PREFIXES)
                and not str(value).startswith("$")
            ):
                raise GraphError(
                    f'node "{label}": setting {name!r} holds a secret value; store a reference instead '
                    f"(env:VARIABLE or keyring:service/user) — secrets are never written to workflow files"
                )


def read_into(wf: Workflow, text: str | bytes, source: str = "<string>") -> None:
    """Fill an empty workflow from the text of a workflow file (`Workflow.loads`)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise WorkflowFileError(source, f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorkflowFileError(
            source, f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise WorkflowFileError(source, "JSON nested too deeply") from None
    if not isinstance(data, dict):
        raise WorkflowFileError(
            source, f"a workflow file holds a JSON object, not {type(data).__name__}"
        )
    record = _validated(WorkflowRecord, migrate_format(data), source)
    _define_components(wf, record.components, source)
    read_record_into(wf, record, source)


def _validated(model: type[BaseModel], data: Any, source: str, prefix: tuple = ()) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        msg = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
        raise WorkflowFileError(source, msg, _json_path((*prefix, *err["loc"]))) from None
    except RecursionError:
        raise WorkflowFileError(source, "JSON nested too deeply") from None


def _define_components(wf: Workflow, bodies: dict[str, dict[str, Any]], source: str) -> None:
    for cid, body in bodies.items():
        where = ("components", cid)
        definition = _validated(ComponentDefinition, {**body, "id": cid}, source, where)
        inner = {**definition.workflow, "format_version": FORMAT_VERSION}
        _validated(WorkflowRecord, inner, source, (*where, "workflow"))
        wf.define_component(definition)
    for cid in bodies:  # every inner workflow loads (node types, wires), named by its path
        read_component_workflow(type(wf)(wf.catalog), wf.components[cid], source)


def read_component_workflow(wf: Workflow, definition: ComponentDefinition, source: str) -> None:
    """Fill an empty workflow with a component's inner workflow (node versions migrated)."""
    inner = {**definition.workflow, "format_version": FORMAT_VERSION}
    where = f"$.components.{definition.id}.workflow"
    record = _validated(WorkflowRecord, inner, source, ("components", definition.id, "workflow"))
    read_record_into(wf, record, source, where)


def read_record_into(wf: Workflow, record: WorkflowRecord, source: str, root: str = "$") -> None:
    """Fill an empty workflow from a validated record; problems are located under `root`."""
    wf.name = record.name
    wf.description = record.description
    if record.format_version > FORMAT_VERSION:
        msg = (
            f"{source} was written by a newer Knotwork (format {record.format_version}, "
            f"Knotwork {record.knotwork_version or '?'}); this is format {FORMAT_VERSION}: some content may not load"
        )
        warnings.warn(msg, KnotworkWarning, stacklevel=2)
        wf.load_warnings.append(msg)

    for name, prec in record.parameters.items():
        if prec.type not in PARAM_TYPES:
            raise WorkflowFileError(
                source,
                f"type must be one of {', '.join(PARAM_TYPES)}",
                f"{root}.parameters.{name}.type",
            )
        try:
            wf.parameters[name] = Parameter(name, prec.type, prec.value, prec.description)
        except KnotworkError as exc:
            raise WorkflowFileError(source, str(exc), f"{root}.parameters.{name}") from None

    for i, n in enumerate(record.nodes):
        where = f"{root}.nodes[{i}]"
        if n.type_id not in wf.catalog and is_component_type(n.type_id):
            raise WorkflowFileError(
                source,
                f'node "{n.label}" ({n.id}) is an instance of component {n.type_id[10:]!r}, '
                "which the file's components section does not define",
                f"{where}.type_id",
            )
        if n.type_id not in wf.catalog:
            raise WorkflowFileError(
                source,
                f'node "{n.label}" ({n.id}) has type {n.type_id!r}, which no installed package provides',
                f"{where}.type_id",
            )
        node_type = wf.catalog.get(n.type_id)
        settings = n.settings
        if n.version > node_type.version:
            raise WorkflowFileError(
                source,
                f'node "{n.label}" was saved by version {n.version} of {n.type_id}; this installation has version {node_type.version}',
                f"{where}.version",
            )
        if n.version < node_type.version:
            try:
                settings = node_type.migrate(dict(settings), n.version)
            except Exception as exc:
                raise WorkflowFileError(
                    source, f'node "{n.label}": cannot migrate settings: {exc}', f"{where}.settings"
                ) from None
        try:
            wf.restore_node(
                n.model_copy(update={"version": node_type.version, "settings": settings})
            )
        except GraphError as exc:
            raise WorkflowFileError(source, str(exc), f"{where}.id") from None

    for i, c in enumerate(record.connections):
        try:
            wf.connect(c.source, c.source_port, c.target, c.target_port)
        except GraphError as exc:
            raise WorkflowFileError(source, str(exc), f"{root}.connections[{i}]") from None

    for a in record.annotations:
        wf.add_annotation(a.text, a.x, a.y, a.width, a.height, id=a.id)
    for nid, (x, y) in record.layout.nodes.items():
        if nid in wf.graph:
            wf.layout[nid] = (x, y)


def load_into(wf: Workflow, path: str | Path) -> None:
    """Fill an empty workflow from a workflow file (`Workflow.load`)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WorkflowFileError(str(path), f"cannot read: {exc.strerror or exc}") from None
    read_into(wf, raw, str(path))
    wf.path = path
