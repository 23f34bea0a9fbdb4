from __future__ import annotations

import socket

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from studio.monitor import FeedbackError, MonitorStore, MonitorStoreError, WindowSettings
from studio.monitor.feedback import parse_feedback
from studio.monitor.frames import REQUEST_ID, TRUTH, TS
from studio.monitor.schema import VERSION_TABLE


def log_requests(store, n_requests, rows=3, model="churn", version="1", t0=1_000.0):
    for r in range(n_requests):
        inputs = [{"age": 30 + r, "plan": "basic", "score": float(i)} for i in range(rows)]
        outputs = [{"prediction": (r + i) % 2, "age": 0} for i in range(rows)]
        store.log_predictions(
            f"req-{model}-{version}-{r}", model, version, inputs, outputs, ts=t0 + r
        )
    store.flush()


def test_logged_rows_read_back_in_chunks_by_model_and_version(store_factory):
    store = store_factory(chunk_rows=4)
    log_requests(store, 5)
    log_requests(store, 2, version="2", t0=2_000)
    log_requests(store, 2, model="other")
    chunks = list(store.iter_rows("churn", "1"))
    assert [len(c) for c in chunks] == [4, 4, 4, 3]
    frame = pd.concat(chunks)
    assert frame[REQUEST_ID].nunique() == 5 and set(frame["plan"]) == {"basic"}
    assert list(frame["age (output)"].unique()) == [0]  # an output named like an input
    assert store.count_rows("churn") == 21 and store.count_rows("churn", "2") == 6


def test_windows_read_the_last_rows_or_a_time_range(store_factory):
    store = store_factory(chunk_rows=5)
    log_requests(store, 10)  # 30 rows, ts 1000..1009
    window, chunks = store.read_window("churn", WindowSettings(size=7, min_rows=1))
    frame = pd.concat(chunks)
    assert len(frame) == 7 and frame[TS].min() == 1007.0
    window, chunks = store.read_window("churn", WindowSettings(size="5s"), now=1_008.0)
    frame = pd.concat(chunks)
    assert (window.start, window.end) == (1003.0, 1008.0) and set(frame[TS]) == {
        1003.0,
        1004.0,
        1005.0,
        1006.0,
        1007.0,
    }


def test_feedback_for_unknown_requests_is_counted_reported_and_stored(store_factory):
    store = store_factory()
    log_requests(store, 2)
    receipt = store.log_feedback(
        [
            {"request_id": "req-churn-1-0", "row": 1, "truth": 1},
            {"request_id": "nobody", "row": 0, "truth": 0},
            {"request_id": "req-churn-1-1", "row": 9, "truth": 0},  # known request, unknown row
        ]
    )
    assert (receipt.accepted, receipt.matched, receipt.unmatched) == (3, 1, 2)
    assert receipt.unmatched_ids == ("nobody", "req-churn-1-1")
    assert store.stats().unmatched_feedback == 2
    with store.engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT request_id, matched FROM monitor_feedback")).all()
    assert sorted((r, bool(m)) for r, m in stored) == [
        ("nobody", False),
        ("req-churn-1-0", True),
        ("req-churn-1-1", False),
    ]


def test_truth_is_joined_and_a_resent_truth_replaces_the_first(store_factory):
    store = store_factory()
    log_requests(store, 2)
    store.log_feedback({"request_id": "req-churn-1-0", "row": 0, "truth": "yes"})
    store.log_feedback({"request_id": "req-churn-1-0", "row": 0, "truth": "no"})
    joined = pd.concat(store.iter_rows("churn", with_truth=True))
    assert len(joined) == 6 and joined[TRUTH].notna().sum() == 1
    labelled = pd.concat(store.iter_rows("churn", labelled_only=True))
    assert list(labelled[TRUTH]) == ["no"]


@pytest.mark.parametrize(
    ("items", "field"),
    [
        ({"request_id": "a", "row": 0}, r"\[0\]\.truth"),
        (
            [{"request_id": "a", "row": 0, "truth": 1}, {"request_id": "", "row": 0, "truth": 1}],
            r"\[1\]\.request_id",
        ),
        ({"request_id": "a", "row": -1, "truth": 1}, r"\[0\]\.row"),
        ({"request_id": "a", "row": True, "truth": 1}, r"\[0\]\.row"),
        ({"request_id": "a", "row": 0, "truth": [1]}, r"\[0\]\.truth"),
        ({"request_id": "a", "row": 0, "truth": 1, "label": 1}, r"\[0\]\.label"),
        ("nonsense", r"\$"),
    ],
)
def test_malformed_feedback_is_a_clear_error_naming_the_field(store_factory, items, field):
    store = store_factory()
    with pytest.raises(FeedbackError, match=f"feedback {field}: "):
        store.log_feedback(items)
    assert store.stats().buffered_rows == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=8,
)
feedback_like = st.dictionaries(
    st.sampled_from(["request_id", "row", "truth", "other"]), json_values, max_size=4
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, st.lists(feedback_like, max_size=3), feedback_like))
def test_any_json_a_stranger_sends_is_feedback_or_a_feedback_error(body):
    try:
        items = parse_feedback(body)
    except FeedbackError as exc:
        assert exc.field and exc.reason
    else:
        assert all(isinstance(it.request_id, str) and it.row >= 0 for it in items)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_an_unreachable_store_buffers_a_bounded_number_of_rows_and_counts_the_rest(tmp_path):
    store = MonitorStore(
        f"postgresql://nobody@127.0.0.1:{closed_port()}/monitor", max_buffer=10, background=False
    )
    try:
        for r in range(6):
            store.log_predictions(f"r{r}", "churn", "1", [{"a": 1}, {"a": 2}], [{"p": 0}, {"p": 1}])
        assert store.flush() is False
        receipt = store.log_feedback({"request_id": "r0", "row": 0, "truth": 1})
        assert receipt.pending and receipt.matched is None
        stats = store.stats()
        assert stats.buffered_rows <= 10 and stats.write_errors == 2
        # 12 prediction rows and 1 feedback: each one is either waiting or counted as dropped
        assert stats.buffered_rows + stats.dropped_rows == 13 and stats.dropped_rows >= 3
    finally:
        store.close()


def test_rows_buffered_while_the_database_is_missing_are_written_once_it_exists(fresh_postgres):
    url = fresh_postgres(create=False)
    store = MonitorStore(url, background=False)
    try:
        log_requests(store, 3)
        assert store.stats().buffered_rows == 9
        with fresh_postgres.admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"'))
        assert store.flush() is True
        assert store.count_rows("churn") == 9 and store.stats().buffered_rows == 0
    finally:
        store.close()


def test_retention_deletes_rows_older_than_the_setting(store_factory):
    store = store_factory(retention_days=1)
    log_requests(store, 2, t0=0.0)
    log_requests(store, 2, model="fresh", t0=10 * 86_400.0)
    assert store.apply_retention(now=10.5 * 86_400.0) == 6
    assert store.count_rows("churn") == 0 and store.count_rows("fresh") == 6


def test_closing_writes_what_is_still_buffered(store_url):
    store = MonitorStore(store_url, flush_every=3600)
    log = [{"a": 1}] * 4
    store.log_predictions("r", "churn", "1", log, log)
    store.close()
    reopened = MonitorStore(store_url, background=False)
    assert reopened.count_rows("churn") == 4
    reopened.close()


def test_a_store_written_by_a_newer_knotwork_is_refused(store_url):
    MonitorStore(store_url, background=False).close()
    store = MonitorStore(store_url, background=False)
    with store.engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    store.close()
    with pytest.raises(MonitorStoreError, match="9999, written by a newer Knotwork"):
        MonitorStore(store_url, background=False)


def test_rows_logged_after_a_failed_write_follow_the_waiting_ones_in_order(fresh_postgres):
    url = fresh_postgres(create=False)
    store = MonitorStore(url, max_buffer=4, background=False)
    try:
        for r in range(3):
            store.log_predictions(f"r{r}", "churn", "1", {"a": [r]}, {"p": [0]}, n_rows=1)
        assert store.flush() is False
        for r in range(3, 6):  # r3 fits the buffer; r4 and r5 are dropped and counted
            store.log_predictions(f"r{r}", "churn", "1", {"a": [r]}, {"p": [1]}, n_rows=1)
        assert store.stats().buffered_rows == 4 and store.stats().dropped_rows == 2
        with fresh_postgres.admin.connect() as c:
            c.execute(sa.text(f'CREATE DATABASE "{url.rsplit("/", 1)[1]}"'))
        assert store.flush() is True
        frame = pd.concat(store.iter_rows("churn"), ignore_index=True)
        assert list(frame["a"]) == [0, 1, 2, 3] and list(frame["p"]) == [0, 0, 0, 1]
        assert store.stats().buffered_rows == 0
    finally:
        store.close()
