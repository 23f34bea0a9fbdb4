"""One unit of work on the registry database: a transaction, the caller's identity checked
against a role, the model's lock, audit entries and the row lookups every part needs.

The facade (`store.Registry`) and its parts (registration, promotion, queries, tokens) all
work through `Backend.work()`, so no part reaches back into the facade.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from . import audit
from .artifacts import ArtifactStore
from .errors import NotFoundError, PermissionDeniedError
from .identity import Identity, local_identity, token_digest
from .policy import RegistryConfig
from .results import PolicyReport
from .schema import AliasRow, ModelRow, SettingRow, TokenRow, VersionRow


def identify(s: Session, token: str | None, need: str = "viewer") -> Identity:
    """Who is calling, checked against the role `need`. A registry with tokens is shared:
    then a token is required; without any, the OS user acts with every right."""
    if token:
        row = s.scalar(select(TokenRow).where(TokenRow.token_sha256 == token_digest(token)))
        if row is None or row.revoked_at:
            raise PermissionDeniedError(
                "the registry token is unknown or revoked; ask an admin for a new one"
            )
        envs = tuple(row.environments.split(",")) if row.environments else None
        who = Identity(row.name, row.role, "token", envs)
    elif s.scalar(select(func.count()).select_from(TokenRow).where(TokenRow.revoked_at.is_(None))):
        raise PermissionDeniedError(
            "this registry is shared (it has API tokens): pass --token or set KNOTWORK_REGISTRY_TOKEN"
        )
    else:
        who = local_identity()
    if not who.at_least(need):
        raise PermissionDeniedError(f"{who.name} has role {who.role}; this needs {need} or higher")
    return who


def lock_model(s: Session, name: str) -> None:
    """Serialize writers of one model. SQLite's BEGIN IMMEDIATE already serialized us."""
    if s.get_bind().dialect.name == "postgresql":
        key = int.from_bytes(
            hashlib.sha256(f"knotwork-registry:{name}".encode()).digest()[:8], "big", signed=True
        )
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


@dataclass
class UnitOfWork:
    """One transaction as one identity: what every registry operation reads and writes through."""

    s: Session
    who: Identity
    config: RegistryConfig
    artifacts: ArtifactStore

    def audit(
        self,
        action: str,
        outcome: str,
        *,
        model: str = "",
        version: str = "",
        environment: str = "",
        reason: str = "",
        report: PolicyReport | None = None,
        **details: Any,
    ) -> None:
        """Append an entry to the audit log inside this transaction: the one way every part
        records what it did. A policy report given is recorded as its numbered checks."""
        if report is not None:
            details["checks"] = [c.model_dump(mode="json") for c in report.checks]
        audit.append(
            self.s,
            self.who,
            action,
            outcome,
            model=model,
            version=version,
            environment=environment,
            reason=reason,
            details=details,
        )

    def model_row(self, name: str) -> ModelRow:
        row = self.s.scalar(select(ModelRow).where(ModelRow.name == name))
        if row is None:
            known = (
                ", ".join(self.s.scalars(select(ModelRow.name).order_by(ModelRow.name)).all())
                or "none registered yet"
            )
            raise NotFoundError(f"no model {name!r} in the registry (models: {known})")
        return row

    def version_row(self, model: ModelRow, version: str | None) -> VersionRow:
        """A version by its number, by an alias (`prod`, `champion`), or the latest when None."""
        s = self.s
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

    def version_name(self, version_id: int | None) -> str | None:
        return self.s.get(VersionRow, version_id).version if version_id else None

    def aliases(self, model: ModelRow) -> dict[str, str]:
        """Every alias of the model and the version it points at, by alias name."""
        rows = self.s.execute(
            select(AliasRow.name, VersionRow.version)
            .join(VersionRow, AliasRow.version_id == VersionRow.id)
            .where(AliasRow.model_id == model.id)
            .order_by(AliasRow.name)
        ).all()
        return {name: version for name, version in rows}


class Backend:
    """The registry's database, artifact folder, policy and caller's token: what opens units of work."""

    def __init__(self, engine: Engine, *, token: str | None, config: RegistryConfig):
        self.engine = engine
        self.token = token
        self.config = config
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self.artifacts: ArtifactStore | None = None

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A bare transaction, before anyone is identified (setup, cleanup)."""
        with self._sessions() as s, s.begin():
            yield s

    @contextmanager
    def work(self, need: str = "viewer", *, lock: str | None = None) -> Iterator[UnitOfWork]:
        """A transaction as the caller, who must hold role `need`; `lock` names a model whose
        writers are serialized for the rest of the transaction."""
        with self.transaction() as s:
            who = identify(s, self.token, need)
            if lock is not None:
                lock_model(s, lock)
            yield UnitOfWork(s, who, self.config, self.artifacts)

    def whoami(self, need: str = "viewer") -> Identity:
        """The caller, checked against role `need` (raises PermissionDeniedError)."""
        with self.work(need) as w:
            return w.who

    def open_artifacts(self, configured: Path | None, default: Path) -> ArtifactStore:
        """The configured folder first; else the folder recorded in the database when it was
        created (so servers knowing only the URL find the bundles); else `default`. The first
        one used is recorded."""
        with self.transaction() as s:
            row = s.get(SettingRow, "artifact_root")
            if configured:
                root = configured.expanduser().resolve()
            elif row is not None:
                root = Path(row.value)
            else:
                root = default
            if row is None:
                s.add(SettingRow(key="artifact_root", value=str(root)))
        self.artifacts = ArtifactStore(root)
        return self.artifacts
