"""`registry://MODEL@ENV` (or `registry://MODEL:VERSION`) → the path of a verified bundle.

A missing or corrupt artifact raises ArtifactError; it is never returned to a server.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import RegistryError
from .results import RegisteredVersion
from .store import Registry

SCHEME = "registry://"


def is_registry_uri(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SCHEME)


def parse_uri(uri: str) -> tuple[str, str | None]:
    """(model, alias-or-version); `registry://churn` means its latest version."""
    if not is_registry_uri(uri):
        raise RegistryError(f"{uri!r}: expected registry://MODEL@ENV or registry://MODEL:VERSION")
    rest = uri[len(SCHEME) :].strip("/")
    if "@" in rest:
        model, _, ref = rest.partition("@")
    else:
        model, _, ref = rest.partition(":")
    if not model or ("@" in rest and not ref):
        raise RegistryError(f"{uri!r}: expected registry://MODEL@ENV or registry://MODEL:VERSION")
    return model, ref or None


def open_registry(registry: Registry | str | None = None) -> Registry:
    return registry if isinstance(registry, Registry) else Registry(registry)


def resolve(uri: str, registry: Registry | str | None = None) -> Path:
    model, ref = parse_uri(uri)
    reg = open_registry(registry)
    try:
        return reg.resolve(model, ref)
    finally:
        if reg is not registry:
            reg.close()


def register_bundle(
    path: str | Path,
    registry: Registry | str | None = None,
    env: str | None = "dev",
    reason: str = "registered by knotwork deploy",
) -> RegisteredVersion:
    """Register a bundle and, when `env` is given, promote it there (what `deploy --register` calls).
    Returns the version record, with the promotion result as `promotion`."""
    reg = open_registry(registry)
    try:
        info = reg.register(path, reason=reason)
        if env:
            info.promotion = reg.promote(f"{info.model}:{info.version}", env, reason)
        return info
    finally:
        if reg is not registry:
            reg.close()
