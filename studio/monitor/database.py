"""Where the monitoring store lives and how its schema is kept current.

Default: `.knotwork/monitor.db` (SQLite, WAL) in the workspace; several server replicas
and batch jobs share one PostgreSQL database through KNOTWORK_MONITOR_URL. The schema is
the Alembic scripts in `migrations/`, applied up to head on open, with its own version
table so it may share a database with the registry.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text

from .errors import MonitorStoreError
from .schema import VERSION_TABLE

URL_VARIABLE = "KNOTWORK_MONITOR_URL"
DEFAULT_FILE = Path(".knotwork") / "monitor.db"
_SCRIPTS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK = 7_316_409  # advisory lock key: concurrent replicas migrate one at a time


def monitor_url(url: str | Path | None = None) -> str:
    """Explicit URL, else KNOTWORK_MONITOR_URL, else the workspace SQLite file; a bare path
    means SQLite and `postgresql://` gets the psycopg 3 driver."""
    workspace = Path(os.environ.get("KNOTWORK_WORKSPACE") or os.getcwd())
    url = str(url or os.environ.get(URL_VARIABLE) or workspace / DEFAULT_FILE)
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    scheme, rest = url.split("://", 1)
    return f"postgresql+psycopg://{rest}" if scheme in ("postgresql", "postgres") else url


def redacted(url: str) -> str:
    """The URL with its password masked, for messages and logs."""
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    return f"{scheme}{sep}{creds.split(':', 1)[0]}:***@{host}"


def _json_value(value: Any) -> Any:
    """JSON for logged rows: numpy scalars as numbers, NaN as null (PostgreSQL's json
    refuses NaN), anything else as its text."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, (int, float, str, bool)) else str(value)


def dumps(obj: Any) -> str:
    if isinstance(obj, dict):
        obj = {
            k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in obj.items()
        }
    return json.dumps(obj, default=_json_value, allow_nan=False)


def create_monitor_engine(url: str) -> Engine:
    """An engine for the store's URL; SQLite files get WAL and a generous busy timeout."""
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            raise MonitorStoreError(
                "the monitoring store needs a file (several threads share it): give a path"
            )
        Path(url[len("sqlite:///") :]).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, json_serializer=dumps, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_conn, _record) -> None:
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA busy_timeout=30000")

        return engine
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    try:
        return create_engine(
            url, json_serializer=dumps, pool_pre_ping=True, connect_args=connect_args
        )
    except Exception as exc:  # unknown dialect or driver: name the URL, not a trace
        raise MonitorStoreError(f"cannot open monitoring store {redacted(url)}: {exc}") from None


def upgrade(engine: Engine) -> str:
    """Apply the migrations up to head (idempotent; safe from concurrent processes) and
    return the revision in force. Raises if the database is newer than this code."""
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    scripts = ScriptDirectory.from_config(cfg)
    head = scripts.get_current_head()
    known = {s.revision for s in scripts.walk_revisions()}
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
        current = set(
            MigrationContext.configure(
                conn, opts={"version_table": VERSION_TABLE}
            ).get_current_heads()
        )
        if current - known:
            raise MonitorStoreError(
                f"monitoring store {redacted(str(engine.url))} has schema revision "
                f"{', '.join(sorted(current - known))}, written by a newer Knotwork (this one "
                f"knows up to {head}): upgrade Knotwork to use it"
            )
        if current != {head}:
            with EnvironmentContext(
                cfg,
                scripts,
                fn=lambda rev, _ctx: scripts._upgrade_revs(head, rev),
                destination_rev=head,
            ) as env:
                env.configure(connection=conn, version_table=VERSION_TABLE, transactional_ddl=True)
                env.run_migrations()
    return head
