"""Model registry: versions with lineage, governed dev → test → prod promotion, an
append-only audit log, one-step rollback and version diff (SQLite or PostgreSQL)."""

from __future__ import annotations

from .errors import (
    ArtifactError,
    NotFoundError,
    PermissionDeniedError,
    PromotionRefusedError,
    RegistryError,
    SchemaTooNewError,
)
from .identity import ROLES, Identity
from .policy import RegistryConfig, load_config
from .resolver import is_registry_uri, open_registry, parse_uri, register_bundle, resolve
from .results import (
    Acknowledgement,
    AliasMove,
    AliasTarget,
    AuditEntry,
    AuditVerification,
    CheckResult,
    ModelInfo,
    ModelSummary,
    PolicyReport,
    PromotionResult,
    RegisteredVersion,
    TokenInfo,
    VersionDetail,
    VersionDiff,
    VersionInfo,
)
from .store import Registry

__all__ = [
    "Acknowledgement",
    "ROLES",
    "AliasMove",
    "AliasTarget",
    "ArtifactError",
    "AuditEntry",
    "AuditVerification",
    "CheckResult",
    "Identity",
    "ModelInfo",
    "ModelSummary",
    "NotFoundError",
    "PermissionDeniedError",
    "PolicyReport",
    "PromotionRefusedError",
    "PromotionResult",
    "RegisteredVersion",
    "Registry",
    "RegistryConfig",
    "RegistryError",
    "SchemaTooNewError",
    "TokenInfo",
    "VersionDetail",
    "VersionDiff",
    "VersionInfo",
    "is_registry_uri",
    "load_config",
    "open_registry",
    "parse_uri",
    "register_bundle",
    "resolve",
]
