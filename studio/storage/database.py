"""SQL plumbing shared by the registry and the monitoring store (each keeps its own
engine options and migrations): URLs, passwords kept out of messages, SQLite files, and
bringing an Alembic schema to head safely from several processes at once."""

from __future__ import annotations

import os
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from studio.core.errors import KnotworkError


def workspace_dir() -> Path:
    return Path(os.environ.get("KNOTWORK_WORKSPACE") or os.getcwd())


def database_url(url: str | Path | None, variable: str, default_file: Path) -> str:
    """The URL to open: explicit, else the environment `variable`, else `default_file` in
    the workspace. A bare file path means SQLite; `postgresql://` gets the psycopg 3 driver."""
    url = str(url or os.environ.get(variable) or workspace_dir() / default_file)
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else url


def safe_url(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    return f"{scheme}{sep}{creds.split(':', 1)[0]}:***@{host}"


def sqlite_path(url: str, what: str, error: type[KnotworkError]) -> Path:
    """The file of a SQLite URL, its folder created; an in-memory database is refused
    (`what` names the store in the message, `error` is the store's own error class)."""
    if url in ("sqlite://", "sqlite:///:memory:"):
        raise error(f"the {what} needs a file: give a path, not an in-memory SQLite database")
    path = Path(url[len("sqlite:///") :])
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def scripts(location: Path) -> tuple[Config, ScriptDirectory]:
    cfg = Config()
    cfg.set_main_option("script_location", str(location))
    return cfg, ScriptDirectory.from_config(cfg)


def upgrade_schema(
    engine: Engine,
    location: Path,
    *,
    lock_key: int,
    what: str,
    too_new: type[KnotworkError],
    version_table: str = "alembic_version",
    target: str | None = None,
) -> str:
    """Bring the schema to head (or `target`): idempotent, and safe from concurrent
    processes (a PostgreSQL advisory lock); refuse a database written by a newer Knotwork.
    Return the revision now in force."""
    cfg, found = scripts(location)
    head = target or found.get_current_head()
    known = {s.revision for s in found.walk_revisions()}
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": lock_key})
        context = MigrationContext.configure(conn, opts={"version_table": version_table})
        current = set(context.get_current_heads())
        if current - known:
            raise too_new(
                f"{what} {safe_url(str(engine.url))} has schema revision "
                f"{', '.join(sorted(current - known))}, written by a newer Knotwork; this one "
                f"knows revisions up to {head}. Upgrade Knotwork to use it."
            )
        if current != {head}:
            # What `alembic upgrade head` does, without needing an env.py on disk.
            with EnvironmentContext(
                cfg,
                found,
                fn=lambda rev, _ctx: found._upgrade_revs(head, rev),
                destination_rev=head,
            ) as env:
                env.configure(connection=conn, version_table=version_table, transactional_ddl=True)
                env.run_migrations()
    return head
