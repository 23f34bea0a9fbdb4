"""Automatic bundle versions: one more than the highest version of a bundle with the
same name found next to the output path (directories and .zip files), else "1".

No sidecar counter to drift out of date: the bundles themselves are the record, so
only bundles whose signature and hashes verify are counted (a copied or tampered
manifest cannot push the numbering around). A dotted version ("1.4.2") is bumped in its
last part; versions that are not dotted integers are ignored when counting.
"""

from __future__ import annotations

import json
import logging
import zipfile
from collections.abc import Iterable
from pathlib import Path

from studio.core.errors import KnotworkError
from studio.security.signing import TrustedKeys

from .archive import MANIFEST, verify_files

log = logging.getLogger("knotwork.deploy")


def _manifest(path: Path) -> dict | None:
    try:
        if path.is_dir():
            data = (path / MANIFEST).read_bytes()
        elif path.suffix.lower() == ".zip" and zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                data = zf.read(MANIFEST)
        else:
            return None
        m = json.loads(data)
        return m if isinstance(m, dict) else None
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _verifies(path: Path, keys: TrustedKeys) -> bool:
    """Whether a bundle's signature and file hashes check out against the trusted keys."""
    try:
        verify_files(path, keys)
        return True
    except KnotworkError as exc:
        log.warning("not counting %s when numbering versions: %s", path.name, exc)
        return False


def _parse(version: object) -> tuple[int, ...] | None:
    try:
        parts = tuple(int(p) for p in str(version).split("."))
    except ValueError:
        return None
    return parts if parts and all(p >= 0 for p in parts) else None


def existing_versions(output_path: str | Path, name: str, keys: TrustedKeys = None) -> list[str]:
    """Versions of the bundles called `name` beside (or at) output_path that verify
    against `keys` (default: this machine's trusted keys and its own)."""
    folder = Path(output_path).parent
    if not folder.is_dir():
        return []
    found = []
    for entry in sorted(folder.iterdir()):
        m = _manifest(entry)
        if m and m.get("name") == name and m.get("version") is not None and _verifies(entry, keys):
            found.append(str(m["version"]))
    return found


def next_version(
    output_path: str | Path, name: str, taken: Iterable[str] = (), keys: TrustedKeys = None
) -> str:
    """One more than the highest dotted-integer version of a verified bundle beside
    output_path or in `taken` (e.g. the versions a registry already holds under that name)."""
    found = [*existing_versions(output_path, name, keys), *map(str, taken)]
    parsed = [p for p in map(_parse, found) if p is not None]
    if not parsed:
        return "1"
    top = max(parsed)
    return ".".join(map(str, (*top[:-1], top[-1] + 1)))


def default_name(
    workflow_path: str | Path | None, workflow_name: str | None, output_path: str | Path
) -> str:
    """A bundle's name when none is given: the workflow file's stem (`penguins` for
    penguins.knotwork.json), which is also a valid registry name; the workflow's display
    name only for a workflow never saved."""
    if workflow_path:
        return Path(workflow_path).name.split(".")[0]
    return workflow_name or Path(output_path).name.split(".")[0]


def is_bundle(path: Path) -> bool:
    return _manifest(path) is not None
