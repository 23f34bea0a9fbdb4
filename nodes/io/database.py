"""The database side the SQL nodes share: URL checks at configure time, an engine whose
password comes from a secret reference at run time, and errors that carry the database's
own message plus the node's label."""

from __future__ import annotations

import os
from collections.abc import Callable

from pydantic import Field

from studio.core import ConfigureError, NodeExecutionError, NodeSettings
from studio.core.node import SecretField
from studio.security.secrets import SecretError, redact, resolve_secret


class DatabaseSettings(NodeSettings):
    url: str = Field(
        "sqlite:///data.sqlite",
        description="SQLAlchemy URL without password (a relative SQLite path is relative to the workflow's folder)",
    )
    password: str | None = SecretField(
        None,
        description="Secret reference for the URL's password: env:DB_PASSWORD or keyring:service/user",
    )


def check_url(s: DatabaseSettings):
    """Parse the URL and refuse a literal password: secrets never live in settings."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    if not s.url.strip():
        raise ConfigureError("no database URL given (e.g. sqlite:///data.sqlite)", where="url")
    try:
        url = make_url(s.url.strip())
    except (ArgumentError, ValueError) as exc:
        raise ConfigureError(
            f"not a database URL ({exc}); e.g. sqlite:///data.sqlite or postgresql+psycopg://user@host/db",
            where="url",
        ) from None
    if url.password is not None:
        raise ConfigureError(
            "the URL holds a literal password; remove it from the URL and put a reference such as "
            "env:DB_PASSWORD in the 'password' setting (secrets are never stored in workflows)",
            where="url",
        )
    if s.password and ":" not in s.password:
        raise ConfigureError(
            "write a reference such as env:DB_PASSWORD or keyring:service/user, not the password",
            where="password",
        )
    if s.password and url.get_backend_name() == "sqlite":
        raise ConfigureError(
            "SQLite files have no password: clear the 'password' setting", where="password"
        )
    return url


def make_engine(s: DatabaseSettings, resolve_path: Callable[[str], str], label: str):
    """An engine for the settings' URL, resolving the password reference now."""
    from sqlalchemy import create_engine

    url = check_url(s)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = resolve_path(url.database)
        if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
            raise NodeExecutionError(
                f"folder of the SQLite file does not exist: {os.path.dirname(path)}",
                where="url",
                node=label,
            )
        url = url.set(database=path)
    if s.password:
        try:
            url = url.set(password=resolve_secret(s.password))
        except SecretError as exc:
            raise NodeExecutionError(str(exc), where="password", node=label) from None
    try:
        return create_engine(url)
    except Exception as exc:  # missing driver, bad options: say which
        raise NodeExecutionError(
            f"cannot open {url.render_as_string(hide_password=True)}: {redact(str(exc))}",
            where="url",
            node=label,
        ) from None


def database_error(exc: Exception, label: str, action: str) -> NodeExecutionError:
    """The database's own message (not SQLAlchemy's wrapper), with the node label."""
    seen = exc
    while (
        seen is not None and getattr(seen, "orig", None) is None
    ):  # pandas wraps SQLAlchemy's error
        seen = seen.__cause__ or seen.__context__
    orig = getattr(seen, "orig", None)
    message = str(orig) if orig is not None else str(exc).split("\n")[0]
    return NodeExecutionError(f"{action} failed: {redact(message)}", node=label)
