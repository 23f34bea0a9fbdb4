"""Data that spans several files: one path, a glob (`data/2024-*.parquet`) or a folder
names a sorted list of files of one format, so a reader or a batch job treats a folder
of parts like one big file."""

from __future__ import annotations

import glob
import os
from pathlib import Path

from studio.core.errors import KnotworkError

GLOB_CHARS = frozenset("*?[")


def is_pattern(path: str) -> bool:
    return any(c in GLOB_CHARS for c in path)


def expand_files(path: str, suffixes: tuple[str, ...], what: str = "path") -> list[str]:
    """The files `path` names, in sorted order: the file itself, every match of a glob,
    or every file with one of `suffixes` directly in a folder. A KnotworkError naming
    `what` when nothing matches or a match has another suffix."""
    wanted = ", ".join(suffixes)
    if is_pattern(path):
        files = sorted(p for p in glob.glob(path, recursive=True) if os.path.isfile(p))
        if not files:
            raise KnotworkError(f"{what} {path}: no file matches this pattern")
    elif os.path.isdir(path):
        files = sorted(
            str(p) for p in Path(path).iterdir() if p.is_file() and p.suffix.lower() in suffixes
        )
        if not files:
            raise KnotworkError(f"{what} {path}: the folder has no {wanted} file")
    elif os.path.isfile(path):
        return [path]
    else:
        raise KnotworkError(f"{what} {path}: no such file or folder")
    odd = [f for f in files if Path(f).suffix.lower() not in suffixes]
    if odd:
        raise KnotworkError(
            f"{what} {path}: {odd[0]} is not a {wanted} file; narrow the pattern "
            f"(e.g. {Path(path).parent / ('*' + suffixes[0])})"
        )
    return files
