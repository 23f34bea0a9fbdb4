"""Offline vulnerability source: OSV advisories read from a file, a folder or a zip (such as
the OSV database's PyPI export), served to pip-audit through its `VulnerabilityService`.

A record matches a package when one of its `affected` entries names the package (PyPI
ecosystem) and lists the version or an ECOSYSTEM range holds it (OSV schema 1.x).
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any, cast

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version
from pip_audit._service import (
    Dependency,
    ResolvedDependency,
    VulnerabilityResult,
    VulnerabilityService,
)

from .audit_policy import AuditError
from .severity import osv_severity


def _records(text: str, where: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AuditError(
            f"{where}: invalid JSON at line {exc.lineno}: {exc.msg} (expected OSV advisories)"
        ) from None
    items = data.get("vulns", [data]) if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i for i in items):
        raise AuditError(
            f"{where}: not an OSV advisory: expected an object with an 'id' and 'affected', "
            "a list of them, or {'vulns': [...]}"
        )
    return items


def read_advisories(path: str | Path) -> list[dict[str, Any]]:
    """Every OSV record in a .json file, a folder of them (recursively) or a .zip of them."""
    root = Path(path).expanduser()
    if not root.exists():
        raise AuditError(f"{root}: advisory file or folder not found (--advisories)")
    if root.is_dir():
        return [r for p in sorted(root.rglob("*.json")) for r in _records(_text(p), str(p))]
    if root.suffix.lower() == ".zip":
        with zipfile.ZipFile(root) as zf:
            return [
                r
                for n in sorted(zf.namelist())
                if n.endswith(".json")
                for r in _records(zf.read(n).decode("utf-8"), f"{root}!{n}")
            ]
    return _records(_text(root), str(root))


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuditError(f"{path}: cannot read advisories: {exc}") from None


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """OSV's evaluation of one ECOSYSTEM range: introduced opens, fixed / last_affected close."""
    keyed = []
    for e in events:
        kind, raw = next(iter(e.items()))
        v = Version("0") if raw == "0" else _version(raw)
        if v is not None:
            keyed.append((v, kind))
    affected = False
    for v, kind in sorted(keyed, key=lambda kv: kv[0]):
        if kind == "introduced" and version >= v:
            affected = True
        elif kind == "fixed" and version >= v:
            affected = False
        elif kind == "last_affected" and version > v:
            affected = False
    return affected


def _affects(record: dict[str, Any], name: str, version: Version) -> list[Version] | None:
    """The fix versions when the record affects name==version, else None."""
    for affected in record.get("affected") or []:
        pkg = affected.get("package") or {}
        if pkg.get("ecosystem") != "PyPI" or canonicalize_name(pkg.get("name", "")) != name:
            continue
        listed = {_version(v) for v in affected.get("versions") or []}
        ranges = [r for r in affected.get("ranges") or [] if r.get("type") == "ECOSYSTEM"]
        if version in listed or any(_in_range(version, r.get("events", [])) for r in ranges):
            fixes = [
                _version(e["fixed"]) for r in ranges for e in r.get("events", []) if "fixed" in e
            ]
            return sorted(f for f in fixes if f is not None)
    return None


class OsvFileService(VulnerabilityService):
    """pip-audit vulnerability service answering from OSV records on disk."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.severity: dict[str, tuple[str, float | None]] = {}
        self._by_name: dict[str, list[dict[str, Any]]] = {}
        for record in read_advisories(path):
            if record.get("withdrawn"):
                continue
            for affected in record.get("affected") or []:
                name = canonicalize_name((affected.get("package") or {}).get("name", ""))
                if name and record not in self._by_name.setdefault(name, []):
                    self._by_name[name].append(record)

    def __len__(self) -> int:
        return len({r["id"] for rs in self._by_name.values() for r in rs})

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        if spec.is_skipped():
            return spec, []
        dep = cast(ResolvedDependency, spec)
        results = []
        for record in self._by_name.get(dep.canonical_name, []):
            fixes = _affects(record, dep.canonical_name, dep.version)
            if fixes is None:
                continue
            summary = record.get("summary") or record.get("details") or "N/A"
            result = VulnerabilityResult.create(
                ids=[record["id"], *record.get("aliases", [])],
                description=" ".join(str(summary).split()),
                fix_versions=fixes,
                published=None,
            )
            results.append(result)
            level = osv_severity(record)
            for vid in (result.id, *result.aliases):
                self.severity[vid] = level
        return spec, results
