"""CSV Writer: write a table to a delimited text file, atomically."""

from __future__ import annotations

import os

from pydantic import Field

from studio.core import ConfigureError, NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.fileformat import atomic_write


class Settings(NodeSettings):
    path: str = Field(
        "",
        description="Output CSV file (relative to the workflow's folder)",
        json_schema_extra={"ui": "save_file", "filter": "CSV (*.csv)"},
    )
    delimiter: str = Field(",", min_length=1, max_length=2, description="Column separator")
    include_index: bool = Field(False, description="Also write the row index")
    overwrite: bool = Field(True, description="Replace an existing file; off fails instead")


class CSVWriter(NodeType):
    type_id = "io.csv_writer"
    name = "CSV Writer"
    category = "IO"
    description = (
        "Writes a table to a CSV file (atomically: a failed write leaves the old file intact)."
    )
    keywords = ("csv", "write", "save", "export", "file")
    inputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        if not s.path:
            raise ConfigureError("no output file chosen", where="path")
        return []

    def execute(self, s: Settings, inputs, ctx):
        path = ctx.resolve_path(s.path)
        if os.path.exists(path) and not s.overwrite:
            raise NodeExecutionError(f"{path} exists and 'overwrite' is off")
        sep = "\t" if s.delimiter in ("\\t", "tab") else s.delimiter
        atomic_write(path, inputs[0].df.to_csv(sep=sep, index=s.include_index))
        return []
