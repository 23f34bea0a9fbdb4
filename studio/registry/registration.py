"""Registering a bundle: copy it into the artifact folder by content hash, verify the copy,
then record the version with its lineage in one transaction. Until that commits, nothing
is visible; an artifact no version references is removed again.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from .artifacts import StoredArtifact
from .bundles import read_meta
from .errors import ArtifactError, RegistryError
from .identity import Identity
from .metrics import validation_report
from .queries import version_info
from .results import RegisteredVersion
from .schema import ModelRow, VersionRow, now
from .session import Backend
from .verification import check_integrity


def register(
    backend: Backend,
    bundle: str | Path,
    *,
    name: str | None = None,
    tags: list[str] | tuple[str, ...] = (),
    description: str = "",
    reason: str = "",
) -> RegisteredVersion:
    """Copy the bundle into the artifact folder by content hash, then record the version.
    Re-registering identical content under the same version is a no-op."""
    bundle = Path(bundle)
    first = read_meta(bundle)  # a clear error for a non-bundle before copying anything
    _check_names(name or str(first.manifest["name"]), str(first.manifest["version"]))
    backend.whoami("editor")  # fail before copying when the caller may not register
    artifacts = backend.artifacts
    stored = artifacts.put(bundle)
    path = artifacts.path(stored.relpath)
    try:
        check_integrity(path)
        meta = read_meta(path)
    except (ArtifactError, RegistryError):
        artifacts.discard(stored)
        raise
    m = meta.manifest
    model_name = name or str(m["name"])
    version = str(m["version"])
    try:
        with backend.work("editor", lock=model_name) as w:
            s, who = w.s, w.who
            model = s.scalar(select(ModelRow).where(ModelRow.name == model_name))
            if model is None:
                model = ModelRow(
                    name=model_name, description=description, owner=who.name, created_at=now()
                )
                s.add(model)
                s.flush()
            existing = s.scalar(
                select(VersionRow).where(
                    VersionRow.model_id == model.id, VersionRow.version == version
                )
            )
            if existing is not None:
                if existing.bundle_sha256 == stored.sha256:
                    return version_info(
                        w, model, existing, RegisteredVersion, already_registered=True
                    )
                raise RegistryError(
                    f"{model_name}:{version} is already registered with different content "
                    f"(sha256 {existing.bundle_sha256[:12]}…); build the bundle with a new --version"
                )
            seq = (
                s.scalar(select(func.max(VersionRow.seq)).where(VersionRow.model_id == model.id))
                or 0
            ) + 1
            row = version_from_manifest(m, meta.signature, model, version, seq, stored, who, tags)
            s.add(row)
            s.flush()
            w.audit(
                "register",
                "ok",
                model=model_name,
                version=version,
                reason=_with_overrides(reason, m.get("deploy_overrides")),
                deploy_overrides=m.get("deploy_overrides"),
                sha256=stored.sha256,
                source=row.source_path,
                git_commit=row.git_commit,
            )
            return version_info(w, model, row, RegisteredVersion)
    except BaseException:
        _discard_unreferenced(backend, stored)
        raise


def _with_overrides(reason: str, overrides: dict | None) -> str:
    """The audit reason, saying which deploy gate the bundle was built past."""
    allowed = (overrides or {}).get("allowed", [])
    past = []
    if "failed_validation" in allowed:
        past.append("built with a failing Validation Report (--allow-failed-validation)")
    if "fit_in_scope" in allowed:
        past.append("a learner's fit allowed inside the scope (--allow-fit-in-scope)")
    return "; ".join([r for r in [reason, *past] if r])


def _discard_unreferenced(backend: Backend, stored: StoredArtifact) -> None:
    if not stored.created:
        return
    try:
        with backend.transaction() as s:
            used = s.scalar(
                select(func.count())
                .select_from(VersionRow)
                .where(VersionRow.bundle_sha256 == stored.sha256)
            )
    except Exception:  # the database is unreachable: keep the artifact, it is harmless
        return
    if not used:
        backend.artifacts.discard(stored)


NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


def _check_names(model: str, version: str) -> None:
    """Names appear in `MODEL:VERSION` and `registry://MODEL@ENV`: no ':', '@', '/' or spaces."""
    for what, value in (("model name", model), ("version", version)):
        if not NAME.match(value) or (what == "version" and len(value) > 64):
            raise RegistryError(
                f"{what} {value!r} cannot be registered: use letters, digits, '.', '-' or '_' "
                f"(pass --name, or rebuild the bundle with another --version)"
            )


def version_from_manifest(
    m: dict[str, Any],
    signature: dict | None,
    model: ModelRow,
    version: str,
    seq: int,
    stored: StoredArtifact,
    who: Identity,
    tags: Any = (),
) -> VersionRow:
    source = m.get("source") or {}
    lineage = m.get("lineage") or {}
    return VersionRow(
        model_id=model.id,
        version=version,
        seq=seq,
        bundle_sha256=stored.sha256,
        artifact=stored.relpath,
        bundle_format=stored.format,
        signature_key_id=(signature or {}).get("key_id"),
        source_path=str(source.get("path") or ""),
        source_sha256=str(source.get("sha256") or ""),
        git_commit=source.get("git_commit") or lineage.get("git_commit") or git_commit_of(source),
        data_fingerprints=m.get("data_fingerprints")
        or lineage.get("data_fingerprints")
        or _reference_hashes(m),
        parameters=m.get("parameters") or lineage.get("parameters") or {},
        metrics=m.get("metrics") or {},
        validation=validation_report(m),
        parity=m.get("parity"),
        manifest=m,
        author=str(m.get("created_by") or ""),
        built_at=str(m.get("created_at") or ""),
        registered_by=who.name,
        registered_at=now(),
        tags=sorted(set(m.get("tags") or []) | set(tags)),
    )


def _reference_hashes(m: dict[str, Any]) -> dict[str, str]:
    """Fingerprints of the training data the bundle carries (its reference profile and sample)."""
    return {k: v for k, v in (m.get("files") or {}).items() if k.startswith("reference/")}


def git_commit_of(source: dict[str, Any]) -> str | None:
    """The commit holding the source workflow exactly as built (same SHA-256, no local edits)."""
    path = Path(str(source.get("path") or ""))
    if not path.is_file():
        return None
    try:
        if (
            source.get("sha256")
            and hashlib.sha256(path.read_bytes()).hexdigest() != source["sha256"]
        ):
            return None

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run(
                ["git", *args], cwd=path.parent, capture_output=True, text=True, timeout=10
            )

        head = run("rev-parse", "HEAD")
        if head.returncode != 0:
            return None
        dirty = run("status", "--porcelain", "--", path.name)
        if dirty.returncode != 0 or dirty.stdout.strip():
            return None
        return head.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None
