"""Parquet Writer: write a table to a Parquet file atomically, keeping its column roles."""

from __future__ import annotations

import json
import os
from typing import Literal

from pydantic import Field

from studio.core import ConfigureError, NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.fileformat import atomic_write

from .parquet_reader import ROLES_KEY


class Settings(NodeSettings):
    path: str = Field(
        "",
        description="Output Parquet file (relative to the workflow's folder)",
        json_schema_extra={"ui": "save_file", "filter": "Parquet (*.parquet)"},
    )
    compression: Literal["snappy", "zstd", "gzip", "none"] = Field(
        "snappy", description="Compression codec"
    )
    overwrite: bool = Field(True, description="Replace an existing file; off fails instead")


class ParquetWriter(NodeType):
    type_id = "io.parquet_writer"
    name = "Parquet Writer"
    category = "IO"
    description = (
        "Writes a table to a Parquet file (atomically: a failed write leaves the old file intact)."
    )
    keywords = ("parquet", "arrow", "write", "save", "export", "file")
    inputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        if not s.path:
            raise ConfigureError("no output file chosen", where="path")
        return []

    def execute(self, s: Settings, inputs, ctx):
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = inputs[0]
        path = ctx.resolve_path(s.path)
        if os.path.exists(path) and not s.overwrite:
            raise NodeExecutionError(f"{path} exists and 'overwrite' is off")
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
        return []
