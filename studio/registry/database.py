"""Where the registry lives and how its schema is kept current.

Default: a SQLite file in the workspace folder (WAL mode, created on first use); teams set
KNOTWORK_REGISTRY_URL (or --registry) to PostgreSQL. Opening runs the Alembic scripts
shipped in `migrations/` up to head, and refuses a database written by a newer Knotwork.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

from studio.storage import database as sql
from studio.storage.database import safe_url, workspace_dir

from .errors import RegistryError, SchemaTooNewError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
STATE_DIR = ".knotwork"
DB_FILE = "registry.db"
SQLITE_BUSY_MS = 60_000
# Any constant works; it only has to be the same in every process migrating one database.
_PG_MIGRATION_LOCK = 7_316_402

__all__ = ["safe_url", "workspace_dir"]


def registry_url(url: str | None = None) -> str:
    """The URL to open: explicit, else KNOTWORK_REGISTRY_URL, else the workspace SQLite file."""
    return sql.database_url(url, "KNOTWORK_REGISTRY_URL", Path(STATE_DIR) / DB_FILE)


def default_artifact_dir(url: str, workspace: Path | None = None) -> Path:
    """Artifacts sit next to a SQLite file; for a server database, in the workspace (teams
    set KNOTWORK_REGISTRY_ARTIFACTS to a shared folder instead)."""
    if url.startswith("sqlite:///"):
        return Path(url[len("sqlite:///") :]).parent / "artifacts"
    return (workspace or workspace_dir()) / STATE_DIR / "artifacts"


def create_registry_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        sql.sqlite_path(url, "registry", RegistryError)
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


def head_revision() -> str:
    """The newest schema revision this code knows."""
    return sql.scripts(MIGRATIONS)[1].get_current_head()


def upgrade_schema(engine: Engine, target: str | None = None) -> str:
    """Bring the schema to the head revision, or `target` (idempotent, safe from concurrent
    processes); return the revision now in force."""
    try:
        return sql.upgrade_schema(
            engine,
            MIGRATIONS,
            lock_key=_PG_MIGRATION_LOCK,
            what="registry",
            too_new=SchemaTooNewError,
            target=target,
        )
    except OperationalError as exc:
        raise RegistryError(
            f"cannot open registry {safe_url(str(engine.url))}: {exc.orig}"
        ) from None
