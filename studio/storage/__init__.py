"""What the registry and the monitoring store share about SQL databases: resolving a URL,
hiding its password, opening a SQLite file, and keeping an Alembic schema at head."""

from __future__ import annotations

from .database import database_url, safe_url, sqlite_path, upgrade_schema

__all__ = ["database_url", "safe_url", "sqlite_path", "upgrade_schema"]
