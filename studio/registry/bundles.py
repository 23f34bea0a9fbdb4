"""Read what the registry needs from a bundle (manifest, signature, graph) without loading
any fitted state, and hash bundles by content. A bundle is a directory or one `.zip`.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .errors import ArtifactError, RegistryError

CHUNK = 1 << 20


@dataclass(frozen=True)
class BundleMeta:
    manifest: dict[str, Any]
    manifest_bytes: bytes
    signature: dict[str, Any] | None
    graph: dict[str, Any] | None


def is_zip(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() == ".zip"


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def bundle_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def tree_sha256(file_hashes: dict[str, str]) -> str:
    """Content hash of a directory bundle: its relative paths and their file hashes."""
    h = hashlib.sha256()
    for rel in sorted(file_hashes):
        h.update(f"{rel}\0{file_hashes[rel]}\n".encode())
    return h.hexdigest()


def content_sha256(path: Path) -> str:
    """The bundle's content hash: the zip's bytes, or a directory's tree hash."""
    path = Path(path)
    if is_zip(path):
        return file_sha256(path)
    if path.is_dir():
        return tree_sha256(
            {p.relative_to(path).as_posix(): file_sha256(p) for p in bundle_files(path)}
        )
    raise ArtifactError(f"{path}: not a bundle (expected a directory or a .zip file)")


def _zip_member(zf: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        return zf.read(name)
    except KeyError:
        return None


def _read_members(path: Path, names: tuple[str, ...]) -> dict[str, bytes | None]:
    if is_zip(path):
        try:
            with zipfile.ZipFile(path) as zf:
                return {n: _zip_member(zf, n) for n in names}
        except zipfile.BadZipFile as exc:
            raise ArtifactError(f"{path}: not a readable zip file ({exc})") from None
    if path.is_dir():
        return {n: (path / n).read_bytes() if (path / n).is_file() else None for n in names}
    if not path.exists():
        raise RegistryError(f"{path}: no such bundle")
    raise RegistryError(f"{path}: not a bundle (expected a directory or a .zip file)")


def _json(data: bytes, where: str) -> dict[str, Any]:
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ArtifactError(f"{where}: expected a JSON object")
    return value


def read_meta(path: str | Path) -> BundleMeta:
    path = Path(path)
    raw = _read_members(path, ("manifest.json", "signature.json", "graph.json"))
    if raw["manifest.json"] is None:
        raise RegistryError(
            f"{path}: no manifest.json — is this a bundle written by `knotwork deploy`?"
        )
    manifest = _json(raw["manifest.json"], f"{path}/manifest.json")
    for key in ("name", "version"):
        if not str(manifest.get(key) or "").strip():
            raise RegistryError(
                f"{path}/manifest.json: field {key!r} is missing; rebuild the bundle with `knotwork deploy`"
            )
    return BundleMeta(
        manifest=manifest,
        manifest_bytes=raw["manifest.json"],
        signature=_json(raw["signature.json"], f"{path}/signature.json")
        if raw["signature.json"]
        else None,
        graph=_json(raw["graph.json"], f"{path}/graph.json") if raw["graph.json"] else None,
    )


def check_file_hashes(path: str | Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists is present with its SHA-256; raise naming the first bad one."""
    path = Path(path)
    files = manifest.get("files") or {}
    if is_zip(path):
        with zipfile.ZipFile(path) as zf:
            for rel, expected in sorted(files.items()):
                _safe_rel(rel, path)
                data = _zip_member(zf, rel)
                if data is None:
                    raise ArtifactError(f"{path}: {rel} is listed in the manifest but missing")
                if hashlib.sha256(data).hexdigest() != expected:
                    raise ArtifactError(
                        f"{path}: {rel} does not match its SHA-256 in the manifest (altered or corrupt)"
                    )
        return
    for rel, expected in sorted(files.items()):
        target = path / _safe_rel(rel, path)
        if not target.is_file():
            raise ArtifactError(f"{path}: {rel} is listed in the manifest but missing")
        if file_sha256(target) != expected:
            raise ArtifactError(
                f"{path}: {rel} does not match its SHA-256 in the manifest (altered or corrupt)"
            )


def _safe_rel(rel: str, where: Path) -> str:
    p = PurePosixPath(rel)
    if p.is_absolute() or ".." in p.parts:
        raise ArtifactError(f"{where}: manifest lists an unsafe path {rel!r}")
    return rel
