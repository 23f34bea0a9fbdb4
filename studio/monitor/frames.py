"""Logged rows as DataFrames: which blocks a window covers, decoded one block at a time
and cut into chunks, so memory stays flat however many rows a window holds; truth from
feedback is joined per block through the request index."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from . import blocks
from .schema import BlockRow, FeedbackRow, RequestRow

# Metadata columns of a read frame; the leading underscore keeps them apart from inputs.
REQUEST_ID, ROW, TS = blocks.REQUEST_ID, blocks.ROW, blocks.TS
VERSION, TRUTH = "_version", "_truth"
# A shadow (challenger) server logs its rows under the request id plus this suffix.
SHADOW_SUFFIX = "~shadow"
# An output named like an input gets this suffix (a passed-through id column, say).
OUTPUT_SUFFIX = " (output)"
_IN_CLAUSE = 500  # ids per IN (...) list


def _filters(model: str, version: str | None) -> list:
    b = BlockRow
    return [b.model == model] + ([b.version == version] if version is not None else [])


def count_rows(engine: Engine, model: str, version: str | None = None) -> int:
    with engine.connect() as conn:
        query = select(func.coalesce(func.sum(BlockRow.n_rows), 0)).where(*_filters(model, version))
        return int(conn.execute(query).scalar_one())


def _row_range(
    conn, model: str, version: str | None, offset: int | None, limit: int | None
) -> tuple[int, int, int] | None:
    """(first block id, rows to skip in it, rows wanted) for a window counted in rows;
    walks back from the newest block, so the cost follows the window, not the store."""
    b = BlockRow
    total = count_rows(conn.engine, model, version) if offset else None
    if not offset:
        first = conn.execute(select(func.min(b.id)).where(*_filters(model, version))).scalar()
        return None if first is None else (first, 0, limit if limit is not None else -1)
    after = total - offset  # rows from the offset to the newest row
    if after <= 0:
        return None
    seen = 0
    query = select(b.id, b.n_rows).where(*_filters(model, version)).order_by(b.id.desc())
    for block_id, n in conn.execute(query):
        seen += n
        if seen >= after:
            return block_id, seen - after, limit if limit is not None else -1
    return None


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
    """Yield the model's rows oldest first, about `chunk_rows` at a time; `offset`/`limit`
    count rows in logging order (row windows), `start`/`end` are epoch seconds.
    `labelled_only` keeps the rows of the window that have truth."""
    b = BlockRow
    where = _filters(model, version)
    if start is not None:
        where.append(b.ts_max >= start)
    if end is not None:
        where.append(b.ts_min < end)
    skip, remaining = 0, -1
    if offset is not None or limit is not None:
        with engine.connect() as conn:
            found = _row_range(conn, model, version, offset, limit)
        if found is None:
            return
        first_id, skip, remaining = found
        where.append(b.id >= first_id)
    truth = with_truth or labelled_only
    pending: list[pd.DataFrame] = []
    size = 0
    for frame in _decoded(engine, where, truth):
        if skip:
            frame, skip = frame.iloc[skip:], 0
        if remaining >= 0:
            frame, remaining = frame.iloc[:remaining], max(remaining - len(frame), 0)
        if start is not None or end is not None:
            ts = frame[TS].to_numpy()
            keep = np.ones(len(frame), bool)
            if start is not None:
                keep &= ts >= start
            if end is not None:
                keep &= ts < end
            frame = frame[keep]
        if labelled_only:
            frame = frame[frame[TRUTH].notna()]
        pending.append(frame)
        size += len(frame)
        while size >= chunk_rows:
            chunk = pd.concat(pending, ignore_index=True)
            yield chunk.iloc[:chunk_rows].reset_index(drop=True)
            rest = chunk.iloc[chunk_rows:]
            pending, size = [rest], len(rest)
        if remaining == 0:
            break
    if size:
        yield pd.concat(pending, ignore_index=True)


def _decoded(engine: Engine, where: list, with_truth: bool) -> Iterator[pd.DataFrame]:
    """The selected blocks in id order, decoded, `_truth` joined when asked; a few blocks
    are fetched per query so neither the block count nor their size piles up."""
    b = BlockRow
    last_id = None
    while True:
        page = select(b.id, b.version, b.data).where(
            *where, *(() if last_id is None else (b.id > last_id,))
        )
        with engine.connect() as conn:
            rows = conn.execute(page.order_by(b.id).limit(50)).all()
            truths = _truths(conn, [r.id for r in rows]) if with_truth and rows else {}
        if not rows:
            return
        last_id = rows[-1].id
        for r in rows:
            frame = blocks.split_columns(blocks.decode(r.data), OUTPUT_SUFFIX)
            frame.insert(3, VERSION, r.version)
            if with_truth:
                frame[TRUTH] = _truth_column(len(frame), truths.get(r.id, {}))
            yield frame


def _truths(conn, block_ids: list[int]) -> dict[int, dict[int, object]]:
    """block id -> {row in block: newest truth} for the feedback on those blocks' rows."""
    f, q = FeedbackRow, RequestRow
    out: dict[int, dict[int, object]] = {}
    for i in range(0, len(block_ids), _IN_CLAUSE):
        query = (
            select(q.block_id, q.first, f.row, f.truth)
            .join(f, f.request_id == q.request_id)
            .where(q.block_id.in_(block_ids[i : i + _IN_CLAUSE]), f.row < q.n_rows)
            .order_by(f.id)  # later feedback overwrites earlier: a re-sent truth wins
        )
        for block_id, first, row, truth in conn.execute(query):
            out.setdefault(block_id, {})[first + row] = truth
    return out


def _truth_column(n: int, truths: dict[int, object]) -> pd.Series:
    values = np.full(n, None, dtype=object)
    for pos, truth in truths.items():
        values[pos] = truth
    return pd.Series(values, dtype=object)
