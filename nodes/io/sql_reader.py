"""SQL Reader: a table from a query on any SQLAlchemy database (a SQLite file by default)."""

from __future__ import annotations

import re

import pandas as pd

from studio.core import ConfigureError, NodeExecutionError, NodeType, Port, PortType, Table
from studio.core.node import TextField

from .database import DatabaseSettings, check_url, database_error, make_engine


class Settings(DatabaseSettings):
    query: str = TextField("", description="SQL query whose result is the output table")


# A reader must never change the database: statements that write are refused up front,
# and the connection itself is made read-only where the database supports it.
_READING = ("select", "with", "values", "table", "pragma", "explain", "show", "describe", "desc")


def _first_keyword(query: str) -> str:
    """The query's first word, skipping comments, whitespace and opening parentheses."""
    q = query
    while True:
        q = q.lstrip().lstrip("(").lstrip()
        if q.startswith("--"):
            q = q.split("\n", 1)[1] if "\n" in q else ""
        elif q.startswith("/*"):
            q = q.split("*/", 1)[1] if "*/" in q else ""
        else:
            break
    word = re.match(r"[A-Za-z]+", q)
    return word.group(0).lower() if word else ""


def _read_only(conn) -> None:
    name = conn.dialect.name
    if name == "sqlite":
        conn.exec_driver_sql("PRAGMA query_only = ON")
    elif name in ("postgresql", "mysql", "mariadb"):
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


class SQLReader(NodeType):
    type_id = "io.sql_reader"
    name = "SQL Reader"
    category = "IO"
    description = "Runs a query on a database through SQLAlchemy (SQLite file by default) and outputs the result."
    keywords = ("sql", "database", "query", "sqlite", "postgres", "read", "select")
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        check_url(s)
        if not s.query.strip():
            raise ConfigureError("no query given", where="query")
        word = _first_keyword(s.query)
        if word not in _READING:
            raise ConfigureError(
                f"SQL Reader only reads, but the query starts with {word.upper() or 'nothing'!r}: "
                f"write a SELECT (or WITH ... SELECT) query; to write a table use SQL Writer",
                where="query",
            )
        return [None]  # columns are known only once the database answers

    def execute(self, s: Settings, inputs, ctx):
        from sqlalchemy.exc import SQLAlchemyError

        engine = make_engine(s, ctx.resolve_path, ctx.label)
        try:
            with engine.connect() as conn:  # closed without commit: anything written is rolled back
                _read_only(conn)
                df = pd.read_sql_query(s.query, conn)  # sent as written: no ':name' bind parsing
        except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
            err = database_error(exc, ctx.label, "query")
            if "read-only" in str(err).lower() or "readonly" in str(err).lower():
                raise NodeExecutionError(
                    f"{err.message}: SQL Reader only reads and the query tried to change the "
                    f"database (nothing was changed); use SQL Writer to write tables",
                    where="query",
                    node=err.node,
                ) from None
            raise err from None
        finally:
            engine.dispose()
        return [Table(df)]
