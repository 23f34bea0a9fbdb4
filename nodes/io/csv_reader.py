"""CSV Reader: a table from a delimited text file."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from studio.core import ConfigureError, NodeSettings, Table
from studio.core.node import ColumnsField, PathField

from .files import FileReader, numbered_columns, separator


class Settings(NodeSettings):
    path: str = PathField(
        description="CSV file, or a glob (data/*.csv) or folder of CSV files with the same "
        "columns, stacked in name order (relative to the workflow's folder)",
        filter="CSV (*.csv *.tsv *.txt)",
    )
    delimiter: str = Field(
        ",", min_length=1, max_length=2, description="Column separator (\\t for tab)"
    )
    encoding: str = Field("utf-8", description="Text encoding of the file")
    header: bool = Field(True, description="The first row holds column names")
    guess_types: bool = Field(
        True, description="Guess numbers and booleans; off reads every column as text"
    )
    date_columns: list[str] = ColumnsField(port=-1, description="Columns to parse as dates")
    decimal: str = Field(
        ".", min_length=1, max_length=1, description="Decimal mark of numbers (',' for 1,5)"
    )
    na_values: list[str] = Field(
        default_factory=lambda: ["", "NA", "NaN", "null"], description="Strings that mean 'missing'"
    )


class CSVReader(FileReader):
    type_id = "io.csv_reader"
    name = "CSV Reader"
    description = "Reads a table from a CSV file, guessing column types and parsing dates."
    keywords = ("csv", "read", "file", "load", "text", "glob", "folder")
    Settings = Settings
    part_suffixes = (".csv", ".tsv", ".txt")

    def read(self, s: Settings, path: str, nrows: int | None = None) -> Table:
        sep = separator(s.delimiter)
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
        return Table(df if s.header else numbered_columns(df))
