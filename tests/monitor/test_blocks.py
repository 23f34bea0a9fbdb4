"""Logged rows stored as columnar blocks: every form a caller logs comes back typed, and a
store written by the one-JSON-row-per-prediction schema keeps its rows when upgraded."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import sqlalchemy as sa

from studio.monitor import MonitorStore
from studio.monitor.database import create_monitor_engine, monitor_url, upgrade
from studio.monitor.frames import REQUEST_ID, ROW, TRUTH, TS, VERSION


def test_records_columns_and_frames_log_alike_and_read_back_typed(store_factory):
    store = store_factory(block_rows=4)
    store.log_predictions(
        "records", "m", "1", [{"x": 1.5, "c": "a"}, {"x": None, "c": "b"}], [{"p": 1}, {"p": 0}]
    )
    store.log_predictions(
        "columns",
        "m",
        "1",
        {"x": np.array([2.5]), "c": np.array(["a"], dtype=object)},
        {"p": [1]},
        n_rows=1,
    )
    store.log_predictions(
        "frame", "m", "1", pd.DataFrame({"x": [3.5, 4.5], "c": ["c", None]}), {"p": [0, 1]}
    )
    store.log_predictions("later", "m", "1", lambda: {"x": [5.0], "c": ["a"]}, {"p": [1]}, n_rows=1)
    store.flush()
    frame = pd.concat(store.iter_rows("m"), ignore_index=True)
    assert list(frame[REQUEST_ID]) == ["records"] * 2 + ["columns"] + ["frame"] * 2 + ["later"]
    # multi-row requests store each id once (dictionary-coded); they read back as plain text
    assert not isinstance(frame[REQUEST_ID].dtype, pd.CategoricalDtype)
    assert list(frame[ROW]) == [0, 1, 0, 0, 1, 0]
    assert frame["x"].dtype == np.float64 and frame["x"].isna().sum() == 1
    assert list(frame["c"].fillna("?")) == ["a", "b", "a", "c", "?", "a"]
    assert list(frame["p"]) == [1, 0, 1, 0, 1, 1]
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM monitor_blocks")).scalar_one() == 2


def test_a_column_of_mixed_kinds_is_kept_as_text_not_lost(store_factory):
    store = store_factory()
    store.log_predictions("r", "m", "1", [{"code": 7}, {"code": "B12"}], [{"p": 1}, {"p": 0}])
    store.flush()
    frame = pd.concat(store.iter_rows("m"))
    assert list(frame["code"]) == ["7", "B12"]


def test_a_store_of_the_first_schema_keeps_its_rows_and_feedback_when_upgraded(tmp_path):
    url = monitor_url(tmp_path / "old.db")
    engine = create_monitor_engine(url)
    upgrade(engine, target="0001")
    rows = [
        ("a", 0, 10.0, "1", {"age": 30, "plan": "x"}, {"prediction": 1, "age": 0}),
        ("a", 1, 10.0, "1", {"age": 31, "plan": "y"}, {"prediction": 0, "age": 0}),
        ("b", 0, 11.0, "2", {"age": 32, "plan": "x"}, {"prediction": 1, "age": 0}),
    ]
    with engine.begin() as conn:
        for rid, row, ts, version, inputs, outputs in rows:
            conn.execute(
                sa.text(
                    "INSERT INTO monitor_predictions (request_id, row, ts, model, version, "
                    "inputs, outputs) VALUES (:r, :row, :ts, 'churn', :v, :i, :o)"
                ),
                {
                    "r": rid,
                    "row": row,
                    "ts": ts,
                    "v": version,
                    "i": json.dumps(inputs),
                    "o": json.dumps(outputs),
                },
            )
        conn.execute(
            sa.text(
                "INSERT INTO monitor_feedback (request_id, row, ts, truth, matched) "
                "VALUES ('a', 1, 12.0, '1', 1)"
            )
        )
    engine.dispose()

    store = MonitorStore(url, background=False)
    try:
        assert store.count_rows("churn") == 3 and store.count_rows("churn", "2") == 1
        frame = pd.concat(store.iter_rows("churn", with_truth=True), ignore_index=True)
        assert list(frame[REQUEST_ID]) == ["a", "a", "b"]
        assert list(frame["age"]) == [30, 31, 32] and list(frame["age (output)"]) == [0, 0, 0]
        assert list(frame[VERSION]) == ["1", "1", "2"] and list(frame[TS]) == [10.0, 10.0, 11.0]
        assert list(frame[TRUTH]) == [None, 1, None]
        receipt = store.log_feedback({"request_id": "b", "row": 0, "truth": 0})
        assert receipt.matched == 1
        with store.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names())
        assert "monitor_predictions" not in tables
    finally:
        store.close()


def test_row_windows_cut_inside_blocks_and_span_several(store_factory):
    store = store_factory(block_rows=5, chunk_rows=3)
    for r in range(6):  # a block of 2 rows per flush, then one block of 7
        store.log_predictions(f"r{r}", "m", "1", {"i": [2 * r, 2 * r + 1]}, {"p": [0, 0]})
        store.flush()
    store.log_predictions("big", "m", "1", {"i": list(range(12, 19))}, {"p": [1] * 7})
    store.flush()
    assert store.count_rows("m") == 19
    for offset, limit in [(0, 19), (3, 5), (11, 8), (12, 3), (18, 10)]:
        got = pd.concat(store.iter_rows("m", offset=offset, limit=limit), ignore_index=True)
        assert list(got["i"]) == list(range(offset, min(offset + limit, 19))), (offset, limit)
        assert max(len(c) for c in store.iter_rows("m", offset=offset, limit=limit)) <= 3
