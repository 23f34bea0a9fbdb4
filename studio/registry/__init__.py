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
from .policy import PolicyReport, RegistryConfig, load_config
from .resolver import is_registry_uri, open_registry, parse_uri, register_bundle, resolve
from .store import Registry

__all__ = [
    "ROLES",
    "ArtifactError",
    "Identity",
    "NotFoundError",
    "PermissionDeniedError",
    "PolicyReport",
    "PromotionRefusedError",
    "Registry",
    "RegistryConfig",
    "RegistryError",
    "SchemaTooNewError",
    "is_registry_uri",
    "load_config",
    "open_registry",
    "parse_uri",
    "register_bundle",
    "resolve",
]
