"""What the registry and the monitoring store share about SQL databases: resolving a URL,
hiding its password, opening a SQLite file, and keeping an Alembic schema at head; and
data spread over several files (a glob or a folder of parts)."""

from __future__ import annotations

from .database import database_url, safe_url, sqlite_path, upgrade_schema
from .files import expand_files, is_pattern

__all__ = [
    "database_url",
    "expand_files",
    "is_pattern",
    "safe_url",
    "sqlite_path",
    "upgrade_schema",
]
