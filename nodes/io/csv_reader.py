"""CSV Reader: a table from a delimited text file."""

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
        description="CSV file (relative to the workflow's folder)",
        json_schema_extra={"ui": "file", "filter": "CSV (*.csv *.tsv *.txt)"},
    )
    delimiter: str = Field(
        ",", min_length=1, max_length=2, description="Column separator (\\t for tab)"
    )
    encoding: str = Field("utf-8", description="Text encoding of the file")
    header: bool = Field(True, description="The first row holds column names")
    guess_types: bool = Field(
        True, description="Guess numbers and booleans; off reads every column as text"
    )
    date_columns: list[str] = Field(
        default_factory=list,
        description="Columns to parse as dates",
        json_schema_extra={"ui": "columns", "port": -1},
    )
    decimal: str = Field(
        ".", min_length=1, max_length=1, description="Decimal mark of numbers (',' for 1,5)"
    )
    na_values: list[str] = Field(
        default_factory=lambda: ["", "NA", "NaN", "null"], description="Strings that mean 'missing'"
    )


class CSVReader(NodeType):
    type_id = "io.csv_reader"
    name = "CSV Reader"
    category = "IO"
    description = "Reads a table from a CSV file, guessing column types and parsing dates."
    keywords = ("csv", "read", "file", "load", "text")
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def _read(self, s: Settings, ctx, nrows: int | None = None) -> pd.DataFrame:
        if not s.path:
            raise ConfigureError("no file chosen", where="path")
        path = ctx.resolve_path(s.path)
        if not os.path.isfile(path):
            raise ConfigureError(f"file not found: {path}", where="path")
        sep = "\t" if s.delimiter in ("\\t", "tab") else s.delimiter
        try:
            df = pd.read_csv(
                path,
                sep=sep,
                encoding=s.encoding,
                header=0 if s.header else None,
                dtype=None if s.guess_types else str,
                keep_default_na=False,
                na_values=s.na_values,
                nrows=nrows,
                parse_dates=s.date_columns or False,
                decimal=s.decimal,
            )
        except pd.errors.EmptyDataError:
            raise ConfigureError(
                f"{path} is empty: it has no header and no rows", where="path"
            ) from None
        except (UnicodeDecodeError, LookupError) as exc:
            raise ConfigureError(
                f"cannot decode {path} as {s.encoding}: {exc}", where="encoding"
            ) from None
        except pd.errors.ParserError as exc:  # a ValueError too: keep this branch first
            raise ConfigureError(
                f"{path}: malformed CSV (check the delimiter and quoting): {str(exc).strip()}",
                where="delimiter",
            ) from None
        except ValueError as exc:
            where = (
                "date_columns" if s.date_columns else ("decimal" if s.decimal == sep else "path")
            )
            raise ConfigureError(f"{path}: {exc}", where=where) from None
        if not s.header:
            df.columns = [f"column_{i + 1}" for i in range(df.shape[1])]
        return df

    def configure(self, s: Settings, specs, ctx):
        # Like KNIME, read the head of the file so column pickers work before running.
        return [Table(self._read(s, ctx, nrows=200)).spec()]

    def execute(self, s: Settings, inputs, ctx):
        return [Table(self._read(s, ctx))]
