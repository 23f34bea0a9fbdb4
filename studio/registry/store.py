"""The registry as its users see it: one database plus its artifact folder, opened as one
identity. Each method delegates to the part that does the work (registration, promotion,
queries, tokens), all of which run through `session.Backend`.

Every write runs in one transaction that first locks the model (BEGIN IMMEDIATE on SQLite,
an advisory lock on PostgreSQL), so concurrent processes see each other's moves in order.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine

from studio.deploy.bundle import Bundle

from . import comparison, promotion, queries, registration, results, tokens
from .artifacts import ArtifactStore
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
from .errors import RegistryError
from .identity import Identity, token_from_env
from .policy import RegistryConfig, load_config
from .session import Backend


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
        if config is not None:
            config_path = None
        else:
            config, config_path = load_config(config_path, self.workspace)
        self.config_path = config_path
        engine = create_registry_engine(self.url)
        self._backend = Backend(engine, token=token or token_from_env(), config=config)
        try:
            self.schema_revision = upgrade_schema(engine)
            configured = artifacts or os.environ.get("KNOTWORK_REGISTRY_ARTIFACTS")
            self._backend.open_artifacts(
                Path(configured) if configured else None,
                default_artifact_dir(self.url, self.workspace),
            )
        except BaseException:
            engine.dispose()
            raise

    @property
    def engine(self) -> Engine:
        return self._backend.engine

    @property
    def artifacts(self) -> ArtifactStore:
        return self._backend.artifacts

    @property
    def config(self) -> RegistryConfig:
        return self._backend.config

    def __repr__(self) -> str:
        return f"Registry({safe_url(self.url)!r})"

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def whoami(self) -> Identity:
        return self._backend.whoami()

    # ------------------------------------------------------------------ registration, tokens
    def register(
        self,
        bundle: str | Path,
        *,
        name: str | None = None,
        tags: list[str] | tuple[str, ...] = (),
        description: str = "",
        reason: str = "",
    ) -> results.RegisteredVersion:
        """Copy the bundle in by content hash and record the version (see registration.py)."""
        return registration.register(
            self._backend, bundle, name=name, tags=tags, description=description, reason=reason
        )

    def create_token(self, name: str, role: str, environments: list[str] | None = None) -> str:
        """A new API token (shown once); the first one makes the registry shared.
        `environments` limits what it may promote, approve or roll back."""
        return tokens.create_token(self._backend, name, role, environments)

    def revoke_tokens(self, name: str) -> int:
        return tokens.revoke_tokens(self._backend, name)

    def tokens(self) -> list[results.TokenInfo]:
        return tokens.tokens(self._backend)

    # ------------------------------------------------------------------ reads (queries.py)
    def models(self) -> list[results.ModelSummary]:
        return queries.models(self._backend)

    def model(self, name: str) -> results.ModelInfo:
        return queries.model(self._backend, name)

    def version(
        self, name: str, version: str | None = None, full: bool = True
    ) -> results.VersionDetail | results.VersionInfo:
        """A version with its lineage (`full`: also its Validation Report, parity and manifest)."""
        return queries.version(self._backend, name, version, full)

    def alias_target(self, name: str, alias: str) -> results.AliasTarget | None:
        """Where an alias points now, or None: what a watcher polls."""
        return queries.alias_target(self._backend, name, alias)

    def resolve(self, name: str, ref: str | None = None) -> Path:
        """The verified artifact path of MODEL@ALIAS or MODEL:VERSION; a missing or corrupt
        artifact raises ArtifactError naming it and is never returned."""
        return queries.resolve(self._backend, name, ref)

    def log(self, model: str | None = None, limit: int | None = None) -> list[results.AuditEntry]:
        return queries.log(self._backend, model, limit)

    def verify_audit(self) -> results.AuditVerification:
        """Check the audit log's hash chain."""
        return queries.verify_audit(self._backend)

    def alias_history(self, name: str, alias: str) -> list[results.AliasMove]:
        return queries.alias_history(self._backend, name, alias)

    def diff(self, ref_a: str, ref_b: str) -> results.VersionDiff:
        return queries.diff(self._backend, split_ref(ref_a), split_ref(ref_b))

    def compare(self, ref_a: str, ref_b: str, rows, truth, **options) -> comparison.Comparison:
        """Score both versions on the same labelled rows (see `comparison.compare`)."""
        a, b = (
            Bundle.load(self.resolve(*split_ref(r)), trusted_keys=self.config.trusted_keys or None)
            for r in (ref_a, ref_b)
        )
        return comparison.compare(a, b, rows, truth, **options)

    # ------------------------------------------------------------------ governance (promotion.py)
    def check(
        self, ref: str, env: str, acknowledge: tuple[str, ...] | list[str] = ()
    ) -> results.PolicyReport:
        """The policy report a promotion would get now (with these warnings acknowledged),
        without moving or recording anything."""
        return promotion.check(self._backend, *split_ref(ref), env, tuple(acknowledge))

    def promote(
        self, ref: str, env: str, reason: str = "", acknowledge: tuple[str, ...] | list[str] = ()
    ) -> results.PromotionResult:
        """Move ENV to the version if its policy allows; `acknowledge` names Validation
        Report warnings accepted for ENV, recorded in the audit log with the reason."""
        return promotion.promote(self._backend, *split_ref(ref), env, reason, tuple(acknowledge))

    def approve(self, ref: str, env: str, reason: str = "") -> results.PromotionResult:
        return promotion.approve(self._backend, *split_ref(ref), env, reason)

    def rollback(self, name: str, env: str, reason: str = "") -> results.PromotionResult:
        return promotion.rollback(self._backend, name, env, reason)

    def set_alias(self, ref: str, alias: str, reason: str = "") -> results.PromotionResult:
        return promotion.set_alias(self._backend, *split_ref(ref), alias, reason)
