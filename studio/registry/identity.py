"""Who is acting: the OS user on a desktop registry; on a shared registry (one where an
API token exists) the holder of a token, with a role that bounds what they may do."""

from __future__ import annotations

import getpass
import hashlib
import os
import secrets
from dataclasses import dataclass

ROLES = ("viewer", "editor", "approver", "admin")
TOKEN_ENV = "KNOTWORK_REGISTRY_TOKEN"
TOKEN_PREFIX = "kwr_"


@dataclass(frozen=True)
class Identity:
    name: str
    role: str
    via: str  # "os" | "token"
    environments: tuple[str, ...] | None = None  # a token limited to these (None: all)

    def at_least(self, role: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(role)

    def may_touch(self, env: str) -> bool:
        return self.environments is None or env in self.environments


def os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return os.environ.get("USER") or f"uid{os.getuid()}"


def local_identity() -> Identity:
    """On a desktop registry nobody else can log in: the OS user has every right."""
    return Identity(os_user(), "admin", "os")


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are stored only as SHA-256; a stolen database reveals no usable token."""
    return hashlib.sha256(token.strip().encode("utf-8")).hexdigest()


def token_from_env() -> str | None:
    return os.environ.get(TOKEN_ENV) or None
