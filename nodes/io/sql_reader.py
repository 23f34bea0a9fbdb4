"""SQL Reader: a table from a query on any SQLAlchemy database (a SQLite file by default)."""

from __future__ import annotations

import pandas as pd

from studio.core import ConfigureError, NodeType, Port, PortType, Table
from studio.core.node import TextField

from .database import DatabaseSettings, check_url, database_error, make_engine


class Settings(DatabaseSettings):
    query: str = TextField("", description="SQL query whose result is the output table")


class SQLReader(NodeType):
    type_id = "io.sql_reader"
    name = "SQL Reader"
    category = "IO"
    description = "Runs a query on a database through SQLAlchemy (SQLite file by default) and outputs the result."
    keywords = ("sql", "database", "query", "sqlite", "postgres", "read", "select")
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs):
        check_url(s)
        if not s.query.strip():
            raise ConfigureError("no query given", where="query")
        return [None]  # columns are known only once the database answers

    def execute(self, s: Settings, inputs, ctx):
        from sqlalchemy.exc import SQLAlchemyError

        engine = make_engine(s, self.resolve_path, ctx.label)
        try:
            with engine.connect() as conn:
                df = pd.read_sql_query(s.query, conn)  # sent as written: no ':name' bind parsing
        except (SQLAlchemyError, pd.errors.DatabaseError) as exc:
            raise database_error(exc, ctx.label, "query") from None
        finally:
            engine.dispose()
        return [Table(df)]
