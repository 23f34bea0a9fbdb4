"""Excel Reader: a table from one sheet of an .xlsx workbook."""

from __future__ import annotations

import os

import pandas as pd
from pydantic import Field

from studio.core import ConfigureError, NodeSettings, Table
from studio.core.node import PathField

from .files import FileReader, numbered_columns


class Settings(NodeSettings):
    path: str = PathField(
        description="Excel workbook (.xlsx, relative to the workflow's folder)",
        filter="Excel (*.xlsx *.xlsm)",
    )
    sheet: str = Field("", description="Sheet name (empty: the first sheet)")
    header: bool = Field(True, description="The first row holds column names")
    skip_rows: int = Field(0, ge=0, description="Rows to skip above the table")


class ExcelReader(FileReader):
    type_id = "io.excel_reader"
    name = "Excel Reader"
    description = "Reads a table from one sheet of an Excel workbook (.xlsx)."
    keywords = ("excel", "xlsx", "spreadsheet", "sheet", "read", "load")
    Settings = Settings

    def read(self, s: Settings, path: str, nrows: int | None = None) -> Table:
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
        df = df if s.header else numbered_columns(df)
        return Table(df.rename(columns=str))
