"""Registry tables (SQLAlchemy 2). The schema itself is created and upgraded by the
Alembic scripts in `migrations/`; these classes are how the code reads and writes it.

Timestamps are ISO-8601 UTC strings so SQLite and PostgreSQL sort and print them alike.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def now() -> str:
    """The registry's timestamp format: ISO-8601 UTC with microseconds and a Z."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


# Tables that only ever receive INSERTs; the migration adds triggers that refuse the rest.
APPEND_ONLY_TABLES = ("registry_audit", "registry_alias_moves", "registry_approvals")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class ModelRow(Base):
    __tablename__ = "registry_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[str] = mapped_column(String(40))


class VersionRow(Base):
    __tablename__ = "registry_versions"
    __table_args__ = (
        UniqueConstraint("model_id", "version", name="uq_registry_versions_model_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("registry_models.id"), index=True)
    version: Mapped[str] = mapped_column(String(64))
    seq: Mapped[int] = mapped_column(Integer)
    bundle_sha256: Mapped[str] = mapped_column(String(64), index=True)
    artifact: Mapped[str] = mapped_column(String(500))
    bundle_format: Mapped[str] = mapped_column(String(8))
    signature_key_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    source_path: Mapped[str] = mapped_column(Text, default="")
    source_sha256: Mapped[str] = mapped_column(String(64), default="")
    git_commit: Mapped[str | None] = mapped_column(String(64), nullable=True)
    data_fingerprints: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    validation: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    parity: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    manifest: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200), default="")
    built_at: Mapped[str] = mapped_column(String(40), default="")
    registered_by: Mapped[str] = mapped_column(String(200))
    registered_at: Mapped[str] = mapped_column(String(40))
    tags: Mapped[list[Any]] = mapped_column(JSON, default=list)


class AliasRow(Base):
    """Where an alias points now; its history lives in AliasMoveRow."""

    __tablename__ = "registry_aliases"

    model_id: Mapped[int] = mapped_column(ForeignKey("registry_models.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("registry_versions.id"))
    governed: Mapped[bool] = mapped_column(Boolean, default=False)
    moved_at: Mapped[str] = mapped_column(String(40))
    moved_by: Mapped[str] = mapped_column(String(200))


class AliasMoveRow(Base):
    __tablename__ = "registry_alias_moves"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("registry_models.id"), index=True)
    alias: Mapped[str] = mapped_column(String(64))
    from_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_versions.id"), nullable=True
    )
    to_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("registry_versions.id"), nullable=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # promote | rollback | set | remove
    actor: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[str] = mapped_column(String(40))


class VersionStep:
    """Columns of one person's step about one version in one environment (four eyes)."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("registry_versions.id"), index=True)
    environment: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[str] = mapped_column(String(40))


class ApprovalRow(VersionStep, Base):
    __tablename__ = "registry_approvals"

    approver: Mapped[str] = mapped_column(String(200))


class RequestRow(VersionStep, Base):
    """A promotion waiting for a second person's approval (four eyes)."""

    __tablename__ = "registry_requests"

    requested_by: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | done | withdrawn


class AuditRow(Base):
    __tablename__ = "registry_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200), default="", index=True)
    version: Mapped[str] = mapped_column(String(64), default="")
    environment: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[str] = mapped_column(String(16))  # ok | refused | pending
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    entry_hash: Mapped[str] = mapped_column(String(64), default="")


class TokenRow(Base):
    __tablename__ = "registry_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    environments: Mapped[str | None] = mapped_column(Text, nullable=True)  # "dev,test"; NULL: all
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[str] = mapped_column(String(40))
    revoked_at: Mapped[str | None] = mapped_column(String(40), nullable=True)


class SettingRow(Base):
    """Registry-wide settings (e.g. `artifact_root`), written once at creation."""

    __tablename__ = "registry_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
