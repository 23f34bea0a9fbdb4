"""Where the monitoring store lives and how its schema is kept current.

Default: `.knotwork/monitor.db` (SQLite, WAL) in the workspace; several server replicas
and batch jobs share one PostgreSQL database through KNOTWORK_MONITOR_URL. The schema is
the Alembic scripts in `migrations/`, applied up to head on open, with its own version
table so it may share a database with the registry.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

from studio.core.scalars import python_scalar
from studio.storage import database as sql
from studio.storage.database import safe_url as redacted

from .errors import MonitorStoreError
from .schema import VERSION_TABLE

URL_VARIABLE = "KNOTWORK_MONITOR_URL"
DEFAULT_FILE = Path(".knotwork") / "monitor.db"
_SCRIPTS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK = 7_316_409  # advisory lock key: concurrent replicas migrate one at a time

__all__ = ["redacted"]


def monitor_url(url: str | Path | None = None) -> str:
    """Explicit URL, else KNOTWORK_MONITOR_URL, else the workspace SQLite file."""
    return sql.database_url(url, URL_VARIABLE, DEFAULT_FILE)


def _json_value(value: Any) -> Any:
    """JSON for logged rows: numpy scalars as numbers, NaN as null (PostgreSQL's json
    refuses NaN), anything else as its text."""
    value = python_scalar(value)
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
        sql.sqlite_path(url, "monitoring store (several threads share it)", MonitorStoreError)
        engine = create_engine(url, json_serializer=dumps, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _wal(dbapi_conn, _record) -> None:
            # Big pages for a new file (no effect on an existing one): blocks are blobs of
            # megabytes, and 4 KiB pages cost SQLite four times the CPU to write them.
            dbapi_conn.execute("PRAGMA page_size=65536")
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
            dbapi_conn.execute("PRAGMA busy_timeout=30000")
            # WAL + NORMAL: a crash of the server loses nothing committed; only a power
            # cut may lose the last batches. It spares an fsync per batch.
            dbapi_conn.execute("PRAGMA synchronous=NORMAL")

        return engine
    connect_args = {"connect_timeout": 5} if url.startswith("postgresql") else {}
    try:
        return create_engine(
            url, json_serializer=dumps, pool_pre_ping=True, connect_args=connect_args
        )
    except Exception as exc:  # unknown dialect or driver: name the URL, not a trace
        raise MonitorStoreError(f"cannot open monitoring store {redacted(url)}: {exc}") from None


def upgrade(engine: Engine, target: str | None = None) -> str:
    """Apply the migrations up to head or `target` (idempotent; safe from concurrent
    processes) and return the revision in force. Raises if the database is newer."""
    return sql.upgrade_schema(
        engine,
        _SCRIPTS,
        lock_key=_PG_LOCK,
        what="monitoring store",
        too_new=MonitorStoreError,
        version_table=VERSION_TABLE,
        target=target,
    )
