"""Parquet Writer: write a table to a Parquet file atomically, keeping its column roles."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import Field

from studio.core import NodeExecutionError, NodeSettings, Table
from studio.core.fileformat import atomic_write
from studio.core.node import PathField

from .files import FileWriter
from .parquet_reader import ROLES_KEY


class Settings(NodeSettings):
    path: str = PathField(
        mode="save",
        filter="Parquet (*.parquet)",
        description="Output Parquet file (relative to the workflow's folder)",
    )
    compression: Literal["snappy", "zstd", "gzip", "none"] = Field(
        "snappy", description="Compression codec"
    )
    overwrite: bool = Field(True, description="Replace an existing file; off fails instead")


class ParquetWriter(FileWriter):
    type_id = "io.parquet_writer"
    name = "Parquet Writer"
    description = (
        "Writes a table to a Parquet file (atomically: a failed write leaves the old file intact)."
    )
    keywords = ("parquet", "arrow", "write", "save", "export", "file")
    Settings = Settings

    def write(self, s: Settings, table: Table, path: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        df = table.df.rename(columns=str)
        try:
            arrow = pa.Table.from_pandas(df, preserve_index=False)
        except (pa.ArrowException, ValueError, TypeError) as exc:
            raise NodeExecutionError(
                f"cannot store the table as Parquet ({exc}): convert mixed-type columns with a Type Converter"
            ) from None
        arrow = arrow.replace_schema_metadata(
            {
                **(arrow.schema.metadata or {}),
                ROLES_KEY: json.dumps(table.roles, sort_keys=True).encode(),
            }
        )
        sink = pa.BufferOutputStream()
        pq.write_table(arrow, sink, compression=None if s.compression == "none" else s.compression)
        atomic_write(path, sink.getvalue().to_pybytes())
