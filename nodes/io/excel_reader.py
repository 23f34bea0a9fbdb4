"""Excel Reader: a table from one sheet of an .xlsx workbook."""

from __future__ import annotations

import os

import pandas as pd
from pydantic import Field

from studio.core import (
    ConfigureError,
    NodeSettings,
    NodeType,
    Port,
    PortType,
    Table,
)


class Settings(NodeSettings):
    path: str = Field(
        "",
        description="Excel workbook (.xlsx, relative to the workflow's folder)",
        json_schema_extra={"ui": "file", "filter": "Excel (*.xlsx *.xlsm)"},
    )
    sheet: str = Field("", description="Sheet name (empty: the first sheet)")
    header: bool = Field(True, description="The first row holds column names")
    skip_rows: int = Field(0, ge=0, description="Rows to skip above the table")


class ExcelReader(NodeType):
    type_id = "io.excel_reader"
    name = "Excel Reader"
    category = "IO"
    description = "Reads a table from one sheet of an Excel workbook (.xlsx)."
    keywords = ("excel", "xlsx", "spreadsheet", "sheet", "read", "load")
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def _read(self, s: Settings, ctx, nrows: int | None = None) -> pd.DataFrame:
        if not s.path:
            raise ConfigureError("no file chosen", where="path")
        path = ctx.resolve_path(s.path)
        if not os.path.isfile(path):
            raise ConfigureError(f"file not found: {path}", where="path")
        try:
            with pd.ExcelFile(path, engine="openpyxl") as book:
                sheets = [str(n) for n in book.sheet_names]
                if s.sheet and s.sheet not in sheets:
                    raise ConfigureError(
                        f"no sheet {s.sheet!r} in {os.path.basename(path)} (sheets: {', '.join(sheets)})",
                        where="sheet",
                    )
                df = pd.read_excel(
                    book,
                    s.sheet or 0,
                    header=0 if s.header else None,
                    skiprows=s.skip_rows,
                    nrows=nrows,
                )
        except ConfigureError:
            raise
        except Exception as exc:  # openpyxl raises zipfile, XML and value errors for bad files
            raise ConfigureError(
                f"{path} is not a readable .xlsx workbook ({type(exc).__name__}: {exc})",
                where="path",
            ) from None
        if not s.header:
            df.columns = [f"column_{i + 1}" for i in range(df.shape[1])]
        df.columns = [str(c) for c in df.columns]
        return df

    def configure(self, s: Settings, specs, ctx):
        # Read the head of the sheet so column pickers work before running.
        return [Table(self._read(s, ctx, nrows=200)).spec()]

    def execute(self, s: Settings, inputs, ctx):
        return [Table(self._read(s, ctx))]
