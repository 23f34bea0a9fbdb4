"""Concatenate: stack the rows of two or more tables."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field

from studio.core import ConfigureError, NodeSettings, NodeType, Port, PortType, Table

from .spec_frames import empty_frame, spec_of_frame


class Settings(NodeSettings):
    columns: Literal["union", "intersection"] = Field(
        "union",
        description="Keep every column (missing values where a table lacks one), or only the shared ones",
    )
    source_column: str = Field(
        "", description="Name of a column recording which input each row came from (empty: none)"
    )
    reset_index: bool = Field(True, description="Number the stacked rows 0, 1, 2, ...")


def _stack(s: Settings, frames: list[pd.DataFrame]) -> pd.DataFrame:
    if s.source_column:
        frames = [f.assign(**{s.source_column: i + 1}) for i, f in enumerate(frames)]
    join = "outer" if s.columns == "union" else "inner"
    out = pd.concat(frames, join=join, ignore_index=s.reset_index, sort=False)
    if out.shape[1] == 0:
        raise ConfigureError(
            "the tables share no column: choose 'union' or check the inputs", where="columns"
        )
    return out


class Concatenate(NodeType):
    type_id = "manipulation.concatenate"
    name = "Concatenate"
    category = "Manipulation"
    description = "Stacks the rows of two to four tables; columns are matched by name (union or intersection)."
    keywords = ("concat", "append", "union", "stack", "rows", "combine", "bind")
    inputs = (
        Port("first", PortType.TABLE),
        Port("second", PortType.TABLE),
        Port("third", PortType.TABLE, optional=True),
        Port("fourth", PortType.TABLE, optional=True),
    )
    outputs = (Port("table", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        given = [sp for sp in specs if sp is not None]  # the optional third and later
        for sp in given:
            if s.source_column and s.source_column in sp.names:
                raise ConfigureError(
                    f"an input already has a column {s.source_column!r}: choose another name",
                    where="source_column",
                )
        out = _stack(s, [empty_frame(sp) for sp in given])
        roles = dict(given[0].roles)
        return [spec_of_frame(out, roles, open_categories=True)]

    def execute(self, s: Settings, inputs, ctx):
        tables = [t for t in inputs if t is not None]
        out = _stack(s, [t.df for t in tables])
        roles = {k: v for t in reversed(tables) for k, v in t.roles.items()}
        return [Table(out, {k: v for k, v in roles.items() if k in out.columns})]
