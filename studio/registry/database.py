"""Where the registry lives and how its schema is kept current.

Default: a SQLite file in the workspace folder (WAL mode, created on first use); teams set
KNOTWORK_REGISTRY_URL (or --registry) to PostgreSQL. Opening runs the Alembic scripts
shipped in `migrations/` up to head, and refuses a database written by a newer Knotwork.
"""

from __future__ import annotations

import os
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError

from .errors import RegistryError, SchemaTooNewError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
STATE_DIR = ".knotwork"
DB_FILE = "registry.db"
SQLITE_BUSY_MS = 60_000
# Any constant works; it only has to be the same in every process migrating one database.
_PG_MIGRATION_LOCK = 7_316_402


def workspace_dir() -> Path:
    return Path(os.environ.get("KNOTWORK_WORKSPACE") or os.getcwd())


def registry_url(url: str | None = None) -> str:
    """The URL to open: explicit, else KNOTWORK_REGISTRY_URL, else the workspace SQLite file.

    A bare file path means SQLite; `postgresql://` is given the psycopg 3 driver.
    """
    url = (
        url or os.environ.get("KNOTWORK_REGISTRY_URL") or str(workspace_dir() / STATE_DIR / DB_FILE)
    )
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def default_artifact_dir(url: str, workspace: Path | None = None) -> Path:
    """Artifacts sit next to a SQLite file; for a server database, in the workspace (teams
    set KNOTWORK_REGISTRY_ARTIFACTS to a shared folder instead)."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :]).parent / "artifacts"
    return (workspace or workspace_dir()) / STATE_DIR / "artifacts"


def create_registry_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            raise RegistryError(
                "the registry needs a file: give a path, not an in-memory SQLite database"
            )
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_MS / 1000})
        _serialize_sqlite_writers(engine)
        return engine
    try:
        return create_engine(url, pool_pre_ping=True)
    except Exception as exc:  # unknown dialect or driver: say which URL, not a SQLAlchemy trace
        raise RegistryError(f"cannot open registry {safe_url(url)}: {exc}") from None


def _serialize_sqlite_writers(engine: Engine) -> None:
    """Every transaction starts with BEGIN IMMEDIATE, so two processes never interleave a
    read-check-write (e.g. two promotions of one model); the second waits its turn."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}" if ":" in creds else url
    return url


def _scripts() -> tuple[Config, ScriptDirectory]:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg, ScriptDirectory.from_config(cfg)


def head_revision() -> str:
    """The newest schema revision this code knows."""
    return _scripts()[1].get_current_head()


def upgrade_schema(engine: Engine, target: str | None = None) -> str:
    """Bring the schema to the head revision, or `target` (idempotent, safe from concurrent
    processes); return the revision now in force."""
    cfg, scripts = _scripts()
    head = target or scripts.get_current_head()
    known = {s.revision for s in scripts.walk_revisions()}
    try:
        with engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
            current = MigrationContext.configure(conn).get_current_heads()
            unknown = [rev for rev in current if rev not in known]
            if unknown:
                raise SchemaTooNewError(
                    f"registry {safe_url(str(engine.url))} has schema revision {', '.join(unknown)}, written by a "
                    f"newer Knotwork; this one knows revisions up to {head}. Upgrade Knotwork to use it."
                )
            if set(current) != {head}:
                # What `alembic upgrade head` does, without needing an env.py on disk.
                with EnvironmentContext(
                    cfg,
                    scripts,
                    fn=lambda rev, _ctx: scripts._upgrade_revs(head, rev),
                    destination_rev=head,
                ) as env:
                    env.configure(connection=conn, transactional_ddl=True)
                    env.run_migrations()
    except OperationalError as exc:
        raise RegistryError(
            f"cannot open registry {safe_url(str(engine.url))}: {exc.orig}"
        ) from None
    return head
