"""Parquet Reader: a table from a Parquet file, with the column roles Knotwork stored in it."""

from __future__ import annotations

import json
import os

import pandas as pd
from pydantic import Field

from studio.core import (
    ConfigureError,
    NodeExecutionError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
)
from studio.core.ports import TableSpec

ROLES_KEY = b"knotwork.roles"  # schema metadata written by the Parquet Writer


class Settings(NodeSettings):
    path: str = Field(
        "",
        description="Parquet file (relative to the workflow's folder)",
        json_schema_extra={"ui": "file", "filter": "Parquet (*.parquet *.pq)"},
    )
    columns: list[str] = Field(
        default_factory=list,
        description="Columns to read (empty: all)",
        json_schema_extra={"ui": "columns", "port": -1},
    )


def _roles(schema) -> dict[str, str]:
    raw = (schema.metadata or {}).get(ROLES_KEY)
    try:
        roles = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in roles.items()} if isinstance(roles, dict) else {}


class ParquetReader(NodeType):
    type_id = "io.parquet_reader"
    name = "Parquet Reader"
    category = "IO"
    description = "Reads a table from a Parquet file (types and column roles kept)."
    keywords = ("parquet", "arrow", "read", "file", "load", "columnar")
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def _schema(self, s: Settings, ctx):
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not s.path:
            raise ConfigureError("no file chosen", where="path")
        path = ctx.resolve_path(s.path)
        if not os.path.isfile(path):
            raise ConfigureError(f"file not found: {path}", where="path")
        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError) as exc:
            raise ConfigureError(
                f"{path} is not a readable Parquet file: {exc}", where="path"
            ) from None
        missing = [c for c in s.columns if c not in schema.names]
        if missing:
            raise ConfigureError(
                f"column(s) {', '.join(map(repr, missing))} not in {os.path.basename(path)} (available: {', '.join(schema.names)})",
                where="columns",
            )
        return path, schema

    def configure(self, s: Settings, specs, ctx):
        _, schema = self._schema(s, ctx)
        if s.columns:
            schema = schema.empty_table().select(s.columns).schema.with_metadata(schema.metadata)
        empty = schema.empty_table().to_pandas()
        spec = Table(empty, _roles(schema)).spec()
        # Categories are only known from the data, so leave them open.
        return [
            TableSpec(
                tuple(
                    c if c.dtype != "category" else type(c)(c.name, c.dtype, None)
                    for c in spec.columns
                ),
                spec.roles,
            )
        ]

    def execute(self, s: Settings, inputs, ctx):
        import pyarrow as pa

        path, schema = self._schema(s, ctx)
        try:
            df = pd.read_parquet(path, columns=s.columns or None)
        except (pa.ArrowException, OSError) as exc:
            raise NodeExecutionError(f"{path}: cannot read Parquet data: {exc}") from None
        return [Table(df, _roles(schema))]
