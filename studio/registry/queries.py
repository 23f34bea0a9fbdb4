"""Reading the registry: models, versions with lineage, where aliases point, the audit log,
an alias's history, verified artifact paths and version diffs. Nothing here writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, select

from . import acknowledgements, audit
from .bundles import read_meta
from .diff import diff_versions
from .errors import ArtifactError, RegistryError
from .results import (
    AliasMove,
    AliasTarget,
    AuditEntry,
    AuditVerification,
    Lineage,
    ModelInfo,
    ModelSummary,
    VersionDetail,
    VersionDiff,
    VersionInfo,
)
from .schema import AliasMoveRow, AliasRow, AuditRow, ModelRow, VersionRow
from .session import Backend, UnitOfWork
from .verification import check_integrity

V = TypeVar("V", bound=VersionInfo)


def version_info(
    w: UnitOfWork, model: ModelRow, row: VersionRow, kind: type[V] = VersionInfo, **extra: Any
) -> V:
    """The version as `kind` (VersionInfo, VersionDetail with the manifest, RegisteredVersion)."""
    if issubclass(kind, VersionDetail):
        extra |= {
            "validation": row.validation,
            "parity": row.parity,
            "manifest": row.manifest,
            "acknowledgements": acknowledgements.acknowledgements(w, model.name, row.version),
        }
    return kind(
        model=model.name,
        version=row.version,
        seq=row.seq,
        sha256=row.bundle_sha256,
        artifact=str(w.artifacts.path(row.artifact)),
        format=row.bundle_format,
        signature_key_id=row.signature_key_id,
        aliases=[a for a, v in w.aliases(model).items() if v == row.version],
        lineage=Lineage(
            source_path=row.source_path,
            source_sha256=row.source_sha256,
            git_commit=row.git_commit,
            data_fingerprints=row.data_fingerprints,
            parameters=row.parameters,
        ),
        metrics=row.metrics,
        validation_status=(row.validation or {}).get("status"),
        parity_passed=(row.parity or {}).get("passed"),
        author=row.author,
        built_at=row.built_at,
        registered_by=row.registered_by,
        registered_at=row.registered_at,
        tags=row.tags,
        **extra,
    )


def models(backend: Backend) -> list[ModelSummary]:
    with backend.work() as w:
        out = []
        for model in w.s.scalars(select(ModelRow).order_by(ModelRow.name)):
            latest = w.s.scalar(
                select(VersionRow)
                .where(VersionRow.model_id == model.id)
                .order_by(VersionRow.seq.desc())
                .limit(1)
            )
            count = w.s.scalar(
                select(func.count()).select_from(VersionRow).where(VersionRow.model_id == model.id)
            )
            out.append(
                ModelSummary(
                    name=model.name,
                    description=model.description,
                    owner=model.owner,
                    created_at=model.created_at,
                    versions=count,
                    latest=latest.version if latest else None,
                    aliases=w.aliases(model),
                )
            )
        return out


def model(backend: Backend, name: str) -> ModelInfo:
    with backend.work() as w:
        row = w.model_row(name)
        versions = w.s.scalars(
            select(VersionRow).where(VersionRow.model_id == row.id).order_by(VersionRow.seq)
        ).all()
        aliases = w.aliases(row)
        return ModelInfo(
            name=row.name,
            description=row.description,
            owner=row.owner,
            created_at=row.created_at,
            environments={env: aliases.get(env) for env in w.config.environments},
            aliases=aliases,
            versions=[version_info(w, row, v) for v in versions],
        )


def version(
    backend: Backend, name: str, ref: str | None, full: bool = True
) -> VersionDetail | VersionInfo:
    with backend.work() as w:
        row = w.model_row(name)
        return version_info(w, row, w.version_row(row, ref), VersionDetail if full else VersionInfo)


def alias_target(backend: Backend, name: str, alias: str) -> AliasTarget | None:
    with backend.work() as w:
        model_row = w.model_row(name)
        row = w.s.get(AliasRow, (model_row.id, alias))
        if row is None:
            return None
        v = w.s.get(VersionRow, row.version_id)
        return AliasTarget(
            model=name, alias=alias, version=v.version, sha256=v.bundle_sha256, artifact=v.artifact
        )


def resolve(backend: Backend, name: str, ref: str | None) -> Path:
    with backend.work() as w:
        row = w.version_row(w.model_row(name), ref)
        relpath, sha, number = row.artifact, row.bundle_sha256, row.version
    try:
        path = backend.artifacts.check(relpath, sha)
        check_integrity(path)
    except ArtifactError as exc:
        raise ArtifactError(f"{name}:{number}: {exc}") from None
    return path


def log(backend: Backend, model: str | None, limit: int | None) -> list[AuditEntry]:
    with backend.work() as w:
        q = select(AuditRow).order_by(AuditRow.id)
        if model:
            q = q.where(AuditRow.model == model)
        rows = w.s.scalars(q).all()
        if limit:
            rows = rows[-limit:]
        return [audit.entry(r) for r in rows]


def verify_audit(backend: Backend) -> AuditVerification:
    with backend.work() as w:
        return audit.verify(w.s)


def alias_history(backend: Backend, name: str, alias: str) -> list[AliasMove]:
    with backend.work() as w:
        model_row = w.model_row(name)
        rows = w.s.scalars(
            select(AliasMoveRow)
            .where(AliasMoveRow.model_id == model_row.id, AliasMoveRow.alias == alias)
            .order_by(AliasMoveRow.id)
        ).all()
        return [
            AliasMove(
                id=r.id,
                from_=w.version_name(r.from_version_id),
                to=w.version_name(r.to_version_id),
                kind=r.kind,
                actor=r.actor,
                reason=r.reason,
                at=r.at,
            )
            for r in rows
        ]


def diff(backend: Backend, a: tuple[str, str | None], b: tuple[str, str | None]) -> VersionDiff:
    va, vb = version(backend, *a), version(backend, *b)
    return diff_versions(va, vb, _graph(backend, va), _graph(backend, vb))


def _graph(backend: Backend, info: VersionInfo) -> dict[str, Any] | None:
    artifacts = backend.artifacts
    try:
        return read_meta(
            artifacts.check(Path(info.artifact).relative_to(artifacts.root).as_posix(), info.sha256)
        ).graph
    except (ArtifactError, RegistryError, ValueError):
        return None
