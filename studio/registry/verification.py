"""Checks on a stored bundle: integrity (content hash, per-file hashes) and signature."""

from __future__ import annotations

from pathlib import Path

from studio.security.signing import SigningError, trusted_keys, verify

from .bundles import check_file_hashes, read_meta
from .errors import ArtifactError, RegistryError


def signature_verdict(path: Path, keys: list[str] | None) -> tuple[bool, str]:
    """(valid, detail) for the bundle's manifest signature against the trusted keys
    (the policy's list, else this machine's trusted folder and own key)."""
    try:
        meta = read_meta(path)
    except (ArtifactError, RegistryError) as exc:
        return False, str(exc)
    if not meta.signature:
        return False, "the bundle is not signed (no signature.json)"
    try:
        kid = verify(meta.manifest_bytes, meta.signature, trusted_keys(keys or None))
    except SigningError as exc:
        return False, str(exc)
    return True, f"signed by trusted key {kid}"


def check_integrity(path: Path) -> None:
    """Raise ArtifactError if any file listed in the manifest is missing or altered."""
    check_file_hashes(path, read_meta(path).manifest)
