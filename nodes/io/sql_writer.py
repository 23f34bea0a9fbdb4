"""SQL Writer: write a table into a database table (append, replace or fail if present)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field

from studio.core import ConfigureError, NodeExecutionError, NodeType, Port, PortType

from .database import DatabaseSettings, check_url, database_error, make_engine


class Settings(DatabaseSettings):
    table: str = Field("", description="Name of the database table to write")
    if_exists: Literal["fail", "replace", "append"] = Field(
        "fail", description="When the table exists: fail, replace it, or append the rows"
    )
    chunk_size: int = Field(1000, ge=1, le=1_000_000, description="Rows sent per INSERT batch")


class SQLWriter(NodeType):
    type_id = "io.sql_writer"
    name = "SQL Writer"
    category = "IO"
    description = "Writes a table into a database table through SQLAlchemy: append, replace, or fail if it exists."
    keywords = ("sql", "database", "write", "insert", "sqlite", "postgres", "export")
    inputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        check_url(s)
        if not s.table.strip():
            raise ConfigureError("no table name given", where="table")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_ .]*", s.table):
            raise ConfigureError(
                f"{s.table!r} is not a plain table name (letters, digits, _ , space, schema.table)",
                where="table",
            )
        return []

    def execute(self, s: Settings, inputs, ctx):
        from sqlalchemy.exc import SQLAlchemyError

        df = inputs[0].df
        engine = make_engine(s, ctx.resolve_path, ctx.label)
        schema, _, name = s.table.rpartition(".")
        try:
            with (
                engine.begin() as conn
            ):  # one transaction: a failed write leaves the table as it was
                df.to_sql(
                    name,
                    conn,
                    schema=schema or None,
                    if_exists=s.if_exists,
                    index=False,
                    chunksize=s.chunk_size,
                )
        except ValueError as exc:  # pandas' own 'table already exists' for if_exists='fail'
            raise NodeExecutionError(
                f"{exc} (set 'if_exists' to replace or append)", where="if_exists", node=ctx.label
            ) from None
        except SQLAlchemyError as exc:
            raise database_error(exc, ctx.label, f"writing table {s.table!r}") from None
        finally:
            engine.dispose()
        return []
