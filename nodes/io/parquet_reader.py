"""Parquet Reader: a table from a Parquet file, with the column roles Knotwork stored in it."""

from __future__ import annotations

import json
import os

import pandas as pd

from studio.core import ConfigureError, NodeExecutionError, NodeSettings, Table
from studio.core.node import ColumnsField, PathField
from studio.core.ports import ColumnSpec, TableSpec

from .files import FileReader

ROLES_KEY = b"knotwork.roles"  # schema metadata written by the Parquet Writer


class Settings(NodeSettings):
    path: str = PathField(
        description="Parquet file, or a glob (data/*.parquet) or folder of Parquet files with "
        "the same columns, stacked in name order (relative to the workflow's folder)",
        filter="Parquet (*.parquet *.pq)",
    )
    columns: list[str] = ColumnsField(port=-1, description="Columns to read (empty: all)")


def _roles(schema) -> dict[str, str]:
    raw = (schema.metadata or {}).get(ROLES_KEY)
    try:
        roles = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in roles.items()} if isinstance(roles, dict) else {}


class ParquetReader(FileReader):
    type_id = "io.parquet_reader"
    name = "Parquet Reader"
    description = "Reads a table from a Parquet file (types and column roles kept)."
    keywords = ("parquet", "arrow", "read", "file", "load", "columnar", "glob", "folder")
    Settings = Settings
    part_suffixes = (".parquet", ".pq")

    def _schema(self, s: Settings, path: str):
        """The file's schema, its spec (from the schema alone) and the check of `columns`."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            schema = pq.read_schema(path)
        except (pa.ArrowException, OSError) as exc:
            raise ConfigureError(
                f"{path} is not a readable Parquet file: {exc}", where="path"
            ) from None
        spec = Table(schema.empty_table().to_pandas(), _roles(schema)).spec()
        spec.require(s.columns, setting="columns", source=os.path.basename(path))
        return schema, spec

    def preview(self, s: Settings, path: str) -> TableSpec:
        _, spec = self._schema(s, path)
        if s.columns:
            spec = spec.select(list(s.columns))
        # Categories are only known from the data, so leave them open.
        return TableSpec(
            tuple(
                c if c.dtype != "category" else ColumnSpec(c.name, c.dtype, None)
                for c in spec.columns
            ),
            spec.roles,
        )

    def read(self, s: Settings, path: str, nrows: int | None = None) -> Table:
        import pyarrow as pa

        schema, _ = self._schema(s, path)
        try:
            df = pd.read_parquet(path, columns=s.columns or None)
        except (pa.ArrowException, OSError) as exc:
            raise NodeExecutionError(f"cannot read Parquet data: {exc}", where="path") from None
        return Table(df, _roles(schema))
