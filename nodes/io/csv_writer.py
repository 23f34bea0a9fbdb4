"""CSV Writer: write a table to a delimited text file, atomically."""

from __future__ import annotations

from pydantic import Field

from studio.core import NodeSettings, Table
from studio.core.fileformat import atomic_write
from studio.core.node import PathField

from .files import FileWriter, separator


class Settings(NodeSettings):
    path: str = PathField(
        mode="save",
        filter="CSV (*.csv)",
        description="Output CSV file (relative to the workflow's folder)",
    )
    delimiter: str = Field(",", min_length=1, max_length=2, description="Column separator")
    include_index: bool = Field(False, description="Also write the row index")
    overwrite: bool = Field(True, description="Replace an existing file; off fails instead")


class CSVWriter(FileWriter):
    type_id = "io.csv_writer"
    name = "CSV Writer"
    description = (
        "Writes a table to a CSV file (atomically: a failed write leaves the old file intact)."
    )
    keywords = ("csv", "write", "save", "export", "file")
    Settings = Settings

    def write(self, s: Settings, table: Table, path: str) -> None:
        atomic_write(path, table.df.to_csv(sep=separator(s.delimiter), index=s.include_index))
