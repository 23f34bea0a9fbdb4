"""The registry: models and their versions with lineage, aliases, the audit log, tokens.

Every write runs in one transaction that first locks the model (BEGIN IMMEDIATE on SQLite,
an advisory lock on PostgreSQL), so concurrent processes see each other's moves in order.
Promotion, approval and rollback live in `promotion.py`; this module is storage and reads.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from . import audit, promotion, registration, tokens
from .artifacts import ArtifactStore
from .bundles import read_meta
from .database import (
    DB_FILE,
    STATE_DIR,
    create_registry_engine,
    default_artifact_dir,
    registry_url,
    safe_url,
    upgrade_schema,
    workspace_dir,
)
from .errors import ArtifactError, NotFoundError, PermissionDeniedError, RegistryError
from .identity import Identity, local_identity, token_digest, token_from_env
from .policy import RegistryConfig, load_config
from .schema import AliasRow, AuditRow, ModelRow, SettingRow, TokenRow, VersionRow
from .verification import check_integrity


def split_ref(ref: str) -> tuple[str, str | None]:
    """`MODEL:VERSION` or `MODEL` → (model, version or None)."""
    model, sep, version = ref.partition(":")
    if not model or (sep and not version):
        raise RegistryError(f"{ref!r}: expected MODEL or MODEL:VERSION")
    return model, version or None


class Registry:
    """One registry database plus its artifact folder, opened as one identity."""

    def __init__(
        self,
        url: str | None = None,
        *,
        artifacts: str | Path | None = None,
        config: RegistryConfig | None = None,
        config_path: str | Path | None = None,
        token: str | None = None,
        workspace: str | Path | None = None,
    ):
        self.workspace = Path(workspace) if workspace else workspace_dir()
        if url is None and workspace is not None and not os.environ.get("KNOTWORK_REGISTRY_URL"):
            url = str(self.workspace / STATE_DIR / DB_FILE)  # a team's registry URL still wins
        self.url = registry_url(url)
        self.engine = create_registry_engine(self.url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        try:
            self.schema_revision = upgrade_schema(self.engine)
            self.artifacts = ArtifactStore(self._artifact_root(artifacts))
        except BaseException:
            self.engine.dispose()
            raise
        if config is not None:
            self.config, self.config_path = config, None
        else:
            self.config, self.config_path = load_config(config_path, self.workspace)
        self._token = token or token_from_env()

    def _artifact_root(self, explicit: str | Path | None) -> Path:
        """Explicit folder or KNOTWORK_REGISTRY_ARTIFACTS first; else the folder recorded in the
        database when it was created (so servers knowing only the URL find the bundles);
        else next to the SQLite file or in the workspace. The first one used is recorded."""
        configured = explicit or os.environ.get("KNOTWORK_REGISTRY_ARTIFACTS")
        with self.transaction() as s:
            row = s.get(SettingRow, "artifact_root")
            if configured:
                root = Path(configured).expanduser().resolve()
            elif row is not None:
                return Path(row.value)
            else:
                root = default_artifact_dir(self.url, self.workspace)
            if row is None:
                s.add(SettingRow(key="artifact_root", value=str(root)))
        return root

    def __repr__(self) -> str:
        return f"Registry({safe_url(self.url)!r})"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._sessions() as s, s.begin():
            yield s

    def lock_model(self, s: Session, name: str) -> None:
        """Serialize writers of one model. SQLite's BEGIN IMMEDIATE already serialized us."""
        if s.get_bind().dialect.name == "postgresql":
            key = int.from_bytes(
                hashlib.sha256(f"knotwork-registry:{name}".encode()).digest()[:8],
                "big",
                signed=True,
            )
            s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

    def identity(self, s: Session, need: str = "viewer") -> Identity:
        """Who is calling, checked against the role `need`. A registry with tokens is shared:
        then a token is required; without any, the OS user acts with every right."""
        if self._token:
            row = s.scalar(
                select(TokenRow).where(TokenRow.token_sha256 == token_digest(self._token))
            )
            if row is None or row.revoked_at:
                raise PermissionDeniedError(
                    "the registry token is unknown or revoked; ask an admin for a new one"
                )
            who = Identity(row.name, row.role, "token")
        elif s.scalar(
            select(func.count()).select_from(TokenRow).where(TokenRow.revoked_at.is_(None))
        ):
            raise PermissionDeniedError(
                "this registry is shared (it has API tokens): pass --token or set KNOTWORK_REGISTRY_TOKEN"
            )
        else:
            who = local_identity()
        if not who.at_least(need):
            raise PermissionDeniedError(
                f"{who.name} has role {who.role}; this needs {need} or higher"
            )
        return who

    def whoami(self) -> Identity:
        with self.transaction() as s:
            return self.identity(s)

    def audit(
        self,
        s: Session,
        who: Identity,
        action: str,
        outcome: str,
        *,
        model: str = "",
        version: str = "",
        environment: str = "",
        reason: str = "",
        **details: Any,
    ) -> None:
        """Append an entry to the audit log inside the caller's transaction."""
        audit.append(
            s,
            who,
            action,
            outcome,
            model=model,
            version=version,
            environment=environment,
            reason=reason,
            details=details,
        )

    def model_row(self, s: Session, name: str) -> ModelRow:
        row = s.scalar(select(ModelRow).where(ModelRow.name == name))
        if row is None:
            known = (
                ", ".join(s.scalars(select(ModelRow.name).order_by(ModelRow.name)).all())
                or "none registered yet"
            )
            raise NotFoundError(f"no model {name!r} in the registry (models: {known})")
        return row

    def version_row(self, s: Session, model: ModelRow, version: str | None) -> VersionRow:
        """A version by its number, by an alias (`prod`, `champion`), or the latest when None."""
        q = select(VersionRow).where(VersionRow.model_id == model.id)
        if version is None:
            row = s.scalar(q.order_by(VersionRow.seq.desc()).limit(1))
            if row is None:
                raise NotFoundError(f"model {model.name!r} has no versions")
            return row
        row = s.scalar(q.where(VersionRow.version == version))
        if row is None:
            alias = s.get(AliasRow, (model.id, version))
            if alias is not None:
                return s.get(VersionRow, alias.version_id)
            known = ", ".join(
                s.scalars(
                    select(VersionRow.version)
                    .where(VersionRow.model_id == model.id)
                    .order_by(VersionRow.seq)
                ).all()
            )
            raise NotFoundError(
                f"model {model.name!r} has no version or alias {version!r} (versions: {known or 'none'})"
            )
        return row

    # ------------------------------------------------------------------ registration, tokens
    def register(
        self,
        bundle: str | Path,
        *,
        name: str | None = None,
        tags: list[str] | tuple[str, ...] = (),
        description: str = "",
        reason: str = "",
    ) -> dict[str, Any]:
        """Copy the bundle in by content hash and record the version (see registration.py)."""
        return registration.register(
            self, bundle, name=name, tags=tags, description=description, reason=reason
        )

    def create_token(self, name: str, role: str) -> str:
        """A new API token (shown once); the first one makes the registry shared."""
        return tokens.create_token(self, name, role)

    def revoke_tokens(self, name: str) -> int:
        return tokens.revoke_tokens(self, name)

    def tokens(self) -> list[dict[str, Any]]:
        return tokens.tokens(self)

    # ------------------------------------------------------------------ reads
    def models(self) -> list[dict[str, Any]]:
        with self.transaction() as s:
            self.identity(s)
            out = []
            for model in s.scalars(select(ModelRow).order_by(ModelRow.name)):
                latest = s.scalar(
                    select(VersionRow)
                    .where(VersionRow.model_id == model.id)
                    .order_by(VersionRow.seq.desc())
                    .limit(1)
                )
                count = s.scalar(
                    select(func.count())
                    .select_from(VersionRow)
                    .where(VersionRow.model_id == model.id)
                )
                out.append(
                    {
                        "name": model.name,
                        "description": model.description,
                        "owner": model.owner,
                        "created_at": model.created_at,
                        "versions": count,
                        "latest": latest.version if latest else None,
                        "aliases": self._aliases(s, model),
                    }
                )
            return out

    def _aliases(self, s: Session, model: ModelRow) -> dict[str, str]:
        rows = s.execute(
            select(AliasRow.name, VersionRow.version)
            .join(VersionRow, AliasRow.version_id == VersionRow.id)
            .where(AliasRow.model_id == model.id)
            .order_by(AliasRow.name)
        ).all()
        return {name: version for name, version in rows}

    def _version_json(
        self, s: Session, model: ModelRow, row: VersionRow, full: bool = False
    ) -> dict[str, Any]:
        aliases = [a for a, v in self._aliases(s, model).items() if v == row.version]
        out = {
            "model": model.name,
            "version": row.version,
            "seq": row.seq,
            "sha256": row.bundle_sha256,
            "artifact": str(self.artifacts.path(row.artifact)),
            "format": row.bundle_format,
            "signature_key_id": row.signature_key_id,
            "aliases": aliases,
            "lineage": {
                "source_path": row.source_path,
                "source_sha256": row.source_sha256,
                "git_commit": row.git_commit,
                "data_fingerprints": row.data_fingerprints,
                "parameters": row.parameters,
            },
            "metrics": row.metrics,
            "validation_status": (row.validation or {}).get("status"),
            "parity_passed": (row.parity or {}).get("passed"),
            "author": row.author,
            "built_at": row.built_at,
            "registered_by": row.registered_by,
            "registered_at": row.registered_at,
            "tags": row.tags,
        }
        if full:
            out["validation"] = row.validation
            out["parity"] = row.parity
            out["manifest"] = row.manifest
        return out

    def model(self, name: str) -> dict[str, Any]:
        with self.transaction() as s:
            self.identity(s)
            model = self.model_row(s, name)
            versions = s.scalars(
                select(VersionRow).where(VersionRow.model_id == model.id).order_by(VersionRow.seq)
            ).all()
            return {
                "name": model.name,
                "description": model.description,
                "owner": model.owner,
                "created_at": model.created_at,
                "environments": {
                    env: self._aliases(s, model).get(env) for env in self.config.environments
                },
                "aliases": self._aliases(s, model),
                "versions": [self._version_json(s, model, v) for v in versions],
            }

    def version(self, name: str, version: str | None = None, full: bool = True) -> dict[str, Any]:
        with self.transaction() as s:
            self.identity(s)
            model = self.model_row(s, name)
            return self._version_json(s, model, self.version_row(s, model, version), full=full)

    def alias_target(self, name: str, alias: str) -> dict[str, Any] | None:
        """Where an alias points now ({version, sha256}), or None: what a watcher polls."""
        with self.transaction() as s:
            self.identity(s)
            model = self.model_row(s, name)
            row = s.get(AliasRow, (model.id, alias))
            if row is None:
                return None
            v = s.get(VersionRow, row.version_id)
            return {
                "model": name,
                "alias": alias,
                "version": v.version,
                "sha256": v.bundle_sha256,
                "artifact": v.artifact,
            }

    def resolve(self, name: str, ref: str | None = None) -> Path:
        """The verified artifact path of MODEL@ALIAS or MODEL:VERSION; a missing or corrupt
        artifact raises ArtifactError naming it and is never returned."""
        with self.transaction() as s:
            self.identity(s)
            model = self.model_row(s, name)
            row = self.version_row(s, model, ref)
            relpath, sha, version = row.artifact, row.bundle_sha256, row.version
        try:
            path = self.artifacts.check(relpath, sha)
            check_integrity(path)
        except ArtifactError as exc:
            raise ArtifactError(f"{name}:{version}: {exc}") from None
        return path

    def log(self, model: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        with self.transaction() as s:
            self.identity(s)
            q = select(AuditRow).order_by(AuditRow.id)
            if model:
                q = q.where(AuditRow.model == model)
            rows = s.scalars(q).all()
            if limit:
                rows = rows[-limit:]
            return [audit.entry_json(r) for r in rows]

    def verify_audit(self) -> dict[str, Any]:
        """Check the audit log's hash chain: {"ok", "checked", "first_bad", "problem"}."""
        with self.transaction() as s:
            self.identity(s)
            return audit.verify(s)

    def alias_history(self, name: str, alias: str) -> list[dict[str, Any]]:
        with self.transaction() as s:
            self.identity(s)
            model = self.model_row(s, name)
            return promotion.moves_json(s, model, alias)

    # ------------------------------------------------------------------ governance (promotion.py)
    def check(self, ref: str, env: str) -> Any:
        """The policy report a promotion would get now, without moving anything."""
        return promotion.check(self, *split_ref(ref), env)

    def promote(self, ref: str, env: str, reason: str = "") -> dict[str, Any]:
        return promotion.promote(self, *split_ref(ref), env, reason)

    def approve(self, ref: str, env: str, reason: str = "") -> dict[str, Any]:
        return promotion.approve(self, *split_ref(ref), env, reason)

    def rollback(self, name: str, env: str, reason: str = "") -> dict[str, Any]:
        return promotion.rollback(self, name, env, reason)

    def set_alias(self, ref: str, alias: str, reason: str = "") -> dict[str, Any]:
        return promotion.set_alias(self, *split_ref(ref), alias, reason)

    def diff(self, ref_a: str, ref_b: str) -> dict[str, Any]:
        from .diff import diff_versions

        a, b = self.version(*split_ref(ref_a)), self.version(*split_ref(ref_b))
        return diff_versions(a, b, self._graph(a), self._graph(b))

    def _graph(self, info: dict[str, Any]) -> dict[str, Any] | None:
        try:
            return read_meta(
                self.artifacts.check(
                    Path(info["artifact"]).relative_to(self.artifacts.root).as_posix(),
                    info["sha256"],
                )
            ).graph
        except (ArtifactError, RegistryError, ValueError):
            return None
