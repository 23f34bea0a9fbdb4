"""Secret references (`env:NAME`, `keyring:service/user`) resolved at run time.

Workflow files and settings only ever hold the reference; the value lives in the
environment or the OS keyring, and `redact` hides every resolved value from messages.
"""

from __future__ import annotations

import os
import threading

from studio.core.errors import KnotworkError

SCHEMES = ("env", "keyring")
MASK = "***"

_resolved: set[str] = set()
_lock = threading.Lock()


class SecretError(KnotworkError):
    """A secret reference that is malformed or cannot be resolved."""


def is_reference(text: str | None) -> bool:
    """True for text shaped like a secret reference (`env:...` or `keyring:...`)."""
    return bool(text) and str(text).split(":", 1)[0] in SCHEMES and ":" in str(text)


def resolve_secret(ref: str) -> str:
    """Return the secret a reference points to; raise SecretError saying what to fix."""
    if not ref or ":" not in ref:
        raise SecretError(
            f"{ref!r} is not a secret reference: write env:VARIABLE or keyring:service/user"
        )
    scheme, rest = ref.split(":", 1)
    if scheme == "env":
        value = _from_env(rest)
    elif scheme == "keyring":
        value = _from_keyring(rest)
    else:
        raise SecretError(
            f"unknown secret scheme {scheme!r} in {ref!r}: use env:VARIABLE or keyring:service/user"
        )
    if value:
        with _lock:
            _resolved.add(value)
    return value


def _from_env(name: str) -> str:
    if not name:
        raise SecretError("env: needs a variable name, e.g. env:DB_PASSWORD")
    value = os.environ.get(name)
    if value is None:
        raise SecretError(f"environment variable {name!r} is not set (referenced as env:{name})")
    return value


def _from_keyring(path: str) -> str:
    service, sep, user = path.partition("/")
    if not sep or not service or not user:
        raise SecretError(f"keyring:{path} must name a service and a user: keyring:service/user")
    try:
        import keyring
        from keyring.errors import KeyringError
    except ImportError:
        raise SecretError(
            f"keyring:{path} needs the 'keyring' package, which is not installed"
        ) from None
    try:
        value = keyring.get_password(service, user)
    except KeyringError as exc:
        raise SecretError(f"the OS keyring cannot be read for keyring:{path}: {exc}") from None
    if value is None:
        raise SecretError(
            f"no keyring entry for service {service!r} and user {user!r}: store it with "
            f"`keyring set {service} {user}`"
        )
    return value


def redact(text: str) -> str:
    """Replace every secret resolved so far in this process with *** (longest first)."""
    with _lock:
        values = sorted(_resolved, key=len, reverse=True)
    for value in values:
        text = text.replace(value, MASK)
    return text
