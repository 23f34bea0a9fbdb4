"""What the file nodes share: a `path` setting resolved against the workflow's folder and
checked the same way, so every reader and writer fails with the same words.

A reader module says how to read rows (`read`); a writer module says how to write a table
(`write`). Their settings declare `path` with `PathField` (and `overwrite` for writers).
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

import pandas as pd

from studio.core import (
    ConfigureError,
    ExecutionContext,
    KnotworkError,
    NodeExecutionError,
    NodeType,
    Port,
    PortType,
    Table,
)
from studio.core.ports import TableSpec


class FileReader(NodeType):
    """Base of the readers: configure reads the head of the file, so column pickers work
    before anything runs (as in KNIME); execute reads all of it. A reader that sets
    `part_suffixes` also takes a glob or a folder: its files, read in sorted order, are
    stacked into one table (their columns must agree)."""

    category = "IO"
    outputs = (Port("table", PortType.TABLE),)
    preview_rows: ClassVar[int] = 200
    part_suffixes: ClassVar[tuple[str, ...]] = ()

    # ---- what a reader module provides ---------------------------------------------------
    def read(self, s: Any, path: str, nrows: int | None = None) -> Table:
        """The table in the file at `path` (its first `nrows` rows when given)."""
        raise NotImplementedError  # abstract

    def preview(self, s: Any, path: str) -> TableSpec:
        """The output spec before running; override when the file's schema says it without rows."""
        return self.read(s, path, nrows=self.preview_rows).spec()

    # ---- the shared lifecycle ------------------------------------------------------------
    def source(self, s: Any, ctx: ExecutionContext) -> str:
        """The chosen file's resolved path; a ConfigureError naming 'path' when there is none."""
        return self.sources(s, ctx)[0]

    def sources(self, s: Any, ctx: ExecutionContext) -> list[str]:
        """The file, or the files of a glob or folder, the `path` setting names."""
        if not s.path:
            raise ConfigureError("no file chosen", where="path")
        path = ctx.resolve_path(s.path)
        from studio.storage.files import expand_files, is_pattern

        if self.part_suffixes and (os.path.isdir(path) or is_pattern(path)):
            try:
                return expand_files(path, self.part_suffixes, what="path")
            except KnotworkError as exc:
                raise ConfigureError(
                    f"{str(exc).removeprefix('path ')} (a relative path starts at the workflow's folder)",
                    where="path",
                ) from None
        if not os.path.isfile(path):
            raise ConfigureError(
                f"file not found: {path} (a relative path starts at the workflow's folder)",
                where="path",
            )
        return [path]

    def configure(self, s: Any, specs: list[Any], ctx: ExecutionContext) -> list[Any]:
        return [self.preview(s, self.source(s, ctx))]

    def execute(self, s: Any, inputs: list[Any], ctx: ExecutionContext) -> list[Any]:
        files = self.sources(s, ctx)
        if len(files) == 1:
            return [self.read(s, files[0])]
        tables = []
        for i, path in enumerate(files):
            ctx.progress(i / len(files), f"reading {os.path.basename(path)}")
            tables.append(self.read(s, path))
        return [stack_parts(tables, files)]


def stack_parts(tables: list[Table], files: list[str]) -> Table:
    """The parts of one data set as one table; a part whose columns differ is named."""
    first = list(tables[0].df.columns)
    for table, path in zip(tables[1:], files[1:], strict=True):
        if list(table.df.columns) != first:
            raise NodeExecutionError(
                f"{os.path.basename(path)} has the columns {list(table.df.columns)}, but "
                f"{os.path.basename(files[0])} has {first}: the files of a glob or folder "
                "must have the same columns",
                where="path",
            )
    return tables[0].with_df(pd.concat([t.df for t in tables], ignore_index=True))


class FileWriter(NodeType):
    """Base of the writers: refuses a missing path before running and an existing file when
    the `overwrite` setting is off; a writer module writes atomically."""

    category = "IO"
    inputs = (Port("table", PortType.TABLE),)

    def write(self, s: Any, table: Table, path: str) -> None:
        """Write the table to `path` (atomically: a failed write leaves the old file intact)."""
        raise NotImplementedError  # abstract

    def configure(self, s: Any, specs: list[Any], ctx: ExecutionContext) -> list[Any]:
        if not s.path:
            raise ConfigureError("no output file chosen", where="path")
        return []

    def execute(self, s: Any, inputs: list[Any], ctx: ExecutionContext) -> list[Any]:
        path = ctx.resolve_path(s.path)
        if os.path.exists(path) and not s.overwrite:
            raise NodeExecutionError(
                f"{path} exists and 'overwrite' is off: turn it on or choose another file",
                where="overwrite",
            )
        self.write(s, inputs[0], path)
        return []


def separator(delimiter: str) -> str:
    """The column separator a delimiter setting means ("\\t" or "tab" for a tab)."""
    return "\t" if delimiter in ("\\t", "tab") else delimiter


def numbered_columns(df: pd.DataFrame) -> pd.DataFrame:
    """A file without a header row: name its columns column_1, column_2, ..."""
    return df.set_axis([f"column_{i + 1}" for i in range(df.shape[1])], axis=1)
