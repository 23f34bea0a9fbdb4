"""Logged rows as DataFrames: the queries that read a model's rows in chunks (keyset
pagination on the row id, so memory stays flat however many rows a window holds) and
the flattening of their JSON inputs and outputs into columns."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from sqlalchemy import Engine, func, select

from .schema import FeedbackRow, PredictionRow

# Metadata columns of a read frame; the leading underscore keeps them apart from inputs.
REQUEST_ID, ROW, TS, VERSION, TRUTH = "_request_id", "_row", "_ts", "_version", "_truth"
# An output named like an input gets this suffix (a passed-through id column, say).
OUTPUT_SUFFIX = " (output)"


def _filters(model: str, version: str | None, start: float | None, end: float | None) -> list:
    p = PredictionRow
    clauses = [p.model == model]
    if version is not None:
        clauses.append(p.version == version)
    if start is not None:
        clauses.append(p.ts >= start)
    if end is not None:
        clauses.append(p.ts < end)
    return clauses


def count_rows(
    engine: Engine,
    model: str,
    version: str | None = None,
    start: float | None = None,
    end: float | None = None,
) -> int:
    with engine.connect() as conn:
        query = select(func.count()).select_from(PredictionRow)
        return int(conn.execute(query.where(*_filters(model, version, start, end))).scalar_one())


def _latest_truth():
    """The newest feedback per (request_id, row): a re-sent truth replaces the old one."""
    f = FeedbackRow
    newest = select(func.max(f.id).label("id")).group_by(f.request_id, f.row).subquery("newest")
    return select(f.request_id, f.row, f.truth).join(newest, newest.c.id == f.id).subquery("fb")


def iter_frames(
    engine: Engine,
    model: str,
    version: str | None = None,
    *,
    start: float | None = None,
    end: float | None = None,
    offset: int | None = None,
    limit: int | None = None,
    with_truth: bool = False,
    labelled_only: bool = False,
    chunk_rows: int = 10_000,
) -> Iterator[pd.DataFrame]:
    """Yield the model's rows oldest first, `chunk_rows` at a time; `offset`/`limit`
    count rows in logging order (row windows), `start`/`end` are epoch seconds."""
    p = PredictionRow
    where = _filters(model, version, start, end)
    with engine.connect() as conn:
        if offset:
            first = conn.execute(
                select(p.id).where(*where).order_by(p.id).offset(offset).limit(1)
            ).scalar()
            if first is None:
                return
            where.append(p.id >= first)
    cols = [p.id, p.request_id, p.row, p.ts, p.version, p.inputs, p.outputs]
    truth = _latest_truth() if with_truth or labelled_only else None
    query = select(*cols, truth.c.truth) if truth is not None else select(*cols)
    if truth is not None:
        on = (truth.c.request_id == p.request_id) & (truth.c.row == p.row)
        query = query.join(truth, on, isouter=not labelled_only)
    remaining = limit
    last_id = None
    while remaining is None or remaining > 0:
        size = chunk_rows if remaining is None else min(chunk_rows, remaining)
        page = query.where(*where, *(() if last_id is None else (p.id > last_id,)))
        with engine.connect() as conn:
            rows = conn.execute(page.order_by(p.id).limit(size)).all()
        if not rows:
            return
        last_id = rows[-1].id
        if remaining is not None:
            remaining -= len(rows)
        yield to_frame(rows, with_truth=truth is not None)
        if len(rows) < size:
            return


def to_frame(rows: list, with_truth: bool) -> pd.DataFrame:
    """Inputs and outputs flattened to columns beside the metadata columns."""
    inputs = pd.DataFrame.from_records([r.inputs for r in rows])
    outputs = pd.DataFrame.from_records([r.outputs for r in rows])
    outputs.columns = [c + OUTPUT_SUFFIX if c in inputs.columns else c for c in outputs.columns]
    meta = {
        REQUEST_ID: [r.request_id for r in rows],
        ROW: [r.row for r in rows],
        TS: [r.ts for r in rows],
        VERSION: [r.version for r in rows],
    }
    if with_truth:
        meta[TRUTH] = [r.truth for r in rows]
    return pd.concat([pd.DataFrame(meta), inputs, outputs], axis=1)
