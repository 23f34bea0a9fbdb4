"""Component libraries: folders of versioned `*.knotwork-component.json` files that a
team shares (the workspace's `components/`, any folder or git checkout named by
`--components`, $KNOTWORK_COMPONENTS or the studio's preferences, and the components
shipped with Knotwork).

A workflow keeps a *copy* of each library component it uses, linked by id and version,
so it runs without the library; when the library has a newer version the copy says so
and `update` replaces it, keeping the settings whose parameters still exist.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .component import LIBRARY_FORMAT, LIBRARY_SUFFIX, ComponentDefinition, LibraryLink
from .errors import GraphError, WorkflowFileError
from .fileformat import atomic_write, dumps, used_components
from .workflow import Link, NodeInstance, Workflow

LIBRARY_ENV = "KNOTWORK_COMPONENTS"
WORKSPACE_FOLDER = "components"


class _LibraryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: int = Field(ge=1)
    kind: str = Field(pattern="^knotwork-component$")
    id: str
    name: str
    description: str = ""
    version: int = Field(ge=1)
    workflow: dict[str, Any]
    components: dict[str, dict[str, Any]] = Field(default_factory=dict)  # nested ones


@dataclass
class LibraryComponent:
    """One component file: its definition (linked to itself) and the ones nested in it."""

    path: Path
    definition: ComponentDefinition
    nested: dict[str, ComponentDefinition] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return self.definition.id

    @property
    def version(self) -> int:
        return self.definition.version


def shipped_folder() -> Path:
    """The components that come with Knotwork."""
    return Path(str(resources.files("nodes.components") / "library"))


def library_folders(
    extra: list[str | Path] = (), workspace: str | Path | None = None
) -> list[Path]:
    """Where components are looked up, first wins on equal versions: the folders given,
    $KNOTWORK_COMPONENTS (os.pathsep-separated), the workspace's components/, the shipped ones."""
    ws = Path(workspace or os.environ.get("KNOTWORK_WORKSPACE") or os.getcwd())
    env = [p for p in os.environ.get(LIBRARY_ENV, "").split(os.pathsep) if p]
    folders = [Path(p).expanduser() for p in (*extra, *env)]
    return list(dict.fromkeys([*folders, ws / WORKSPACE_FOLDER, shipped_folder()]))


def read_component_file(path: str | Path) -> LibraryComponent:
    """A component file, checked; problems name the file and the JSON path."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorkflowFileError(str(path), f"cannot read: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WorkflowFileError(str(path), f"not a JSON component file: {exc}") from None
    try:
        rec = _LibraryFile.model_validate(data)
        link = LibraryLink(id=rec.id, version=rec.version)
        main = ComponentDefinition(
            id=rec.id,
            name=rec.name,
            description=rec.description,
            version=rec.version,
            library=link,
            workflow=rec.workflow,
        )
        nested = {cid: ComponentDefinition(id=cid, **b) for cid, b in rec.components.items()}
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        raise WorkflowFileError(str(path), err["msg"], loc) from None
    if rec.format_version > LIBRARY_FORMAT:
        raise WorkflowFileError(
            str(path), f"component file format {rec.format_version} is newer than this Knotwork's"
        )
    return LibraryComponent(path, main, nested)


def load_library(folders: list[Path]) -> tuple[dict[str, LibraryComponent], list[str]]:
    """Every component found in the folders (and their subfolders), the newest of each id,
    and one line per file that could not be read (skipped, so one bad file spoils nothing)."""
    found: dict[str, LibraryComponent] = {}
    problems: list[str] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob(f"*{LIBRARY_SUFFIX}")):
            try:
                comp = read_component_file(path)
            except WorkflowFileError as exc:
                problems.append(str(exc))
                continue
            if comp.id not in found or comp.version > found[comp.id].version:
                found[comp.id] = comp
    return found, problems


def insert(
    wf: Workflow,
    comp: LibraryComponent,
    position: tuple[float, float] | None = None,
    node_id: str | None = None,
) -> NodeInstance:
    """Add a linked copy of a library component (and those nested in it) and one node of it."""
    current = wf.components.get(comp.id)
    if current is not None and (current.library is None or current.library.id != comp.id):
        raise GraphError(
            f"this workflow already has its own component {comp.id!r}: rename it before "
            f'inserting "{comp.definition.name}" from {comp.path}'
        )
    if current is None or current.version < comp.version:
        _define_with_nested(wf, comp)
    definition = wf.components[comp.id]
    return wf.add_node(definition.type_id, definition.name, id=node_id, position=position)


def _define_with_nested(wf: Workflow, comp: LibraryComponent) -> None:
    for nested in comp.nested.values():
        if nested.id not in wf.components or wf.components[nested.id].version <= nested.version:
            wf.define_component(nested)
    wf.define_component(comp.definition)


def outdated(wf: Workflow, library: dict[str, LibraryComponent]) -> list[tuple[str, int, int]]:
    """(component id, version here, library version) of each linked copy the library has newer."""
    out = []
    for cid, d in used_components(wf).items():
        comp = library.get(d.library.id) if d.library else None
        if comp is not None and comp.version > d.library.version:
            out.append((cid, d.library.version, comp.version))
    return out


def update(wf: Workflow, comp: LibraryComponent) -> list[str]:
    """Replace the linked copy of `comp` by the library's version (see `replace`)."""
    return replace(wf, comp.definition, comp.nested)


def replace(
    wf: Workflow,
    definition: ComponentDefinition,
    nested: dict[str, ComponentDefinition] | None = None,
) -> list[str]:
    """Put a new version of a component definition in place (an update, an edit). Every
    node of it keeps its id, label and the settings whose parameters still exist; wires to
    ports that are gone are dropped and named in the returned notes."""
    nodes = [n for n in wf.nodes if n.type_id == definition.type_id]
    kept = [(n.id, n.label, dict(n.settings), wf.layout.get(n.id)) for n in nodes]
    links = [lk for lk in wf.links if any(n.id in (lk.source, lk.target) for n in nodes)]
    for n in nodes:
        wf.remove_node(n.id)
    for d in (nested or {}).values():
        if d.id not in wf.components or wf.components[d.id].version <= d.version:
            wf.define_component(d)
    wf.define_component(definition)
    node_type = wf.catalog.get(definition.type_id)
    for nid, label, settings, position in kept:
        settings = node_type.migrate(settings, 0)
        inst = wf.add_node(node_type.type_id, label, settings, id=nid, position=position)
        inst.label = label
    notes = []
    for lk in links:
        try:
            wf.connect(lk.source, lk.source_port, lk.target, lk.target_port)
        except GraphError as exc:
            notes.append(f"wire {_wire(wf, lk)} dropped: {exc}")
    return notes


def _wire(wf: Workflow, lk: Link) -> str:
    return f'"{wf.node(lk.source).label}".{lk.source_port} → "{wf.node(lk.target).label}".{lk.target_port}'


def publish(wf: Workflow, component_id: str, folder: str | Path) -> LibraryComponent:
    """Write a workflow's component to a library folder as the next version (one more than
    the library's, if it has one) and link the workflow's copy to it."""
    definition = wf.components[component_id]
    lib_id = definition.library.id if definition.library else component_id
    folder = Path(folder)
    path = folder / f"{lib_id}{LIBRARY_SUFFIX}"
    existing = load_library([folder])[0].get(lib_id)
    version = max(definition.version, existing.version if existing else 0) + 1
    nested = {cid: d.to_json() for cid, d in used_components(_only(wf, component_id)).items()}
    nested.pop(component_id, None)
    data = {
        "format_version": LIBRARY_FORMAT,
        "kind": "knotwork-component",
        "id": lib_id,
        "name": definition.name,
        "description": definition.description,
        "version": version,
        "workflow": definition.workflow,
        "components": nested,
    }
    atomic_write(path, dumps(data))
    comp = read_component_file(path)
    update(wf, comp)
    return comp


def _only(wf: Workflow, component_id: str) -> Workflow:
    """A throwaway workflow holding one node of the component, to collect what it nests."""
    probe = Workflow(wf.catalog)
    probe.components = dict(wf.components)
    probe.add_node(wf.components[component_id].type_id)
    return probe
