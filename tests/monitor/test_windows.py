from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from studio.monitor import MonitorError, WindowSettings, parse_duration, split_windows
from studio.monitor.windows import UNITS


@given(st.integers(1, 10_000), st.sampled_from(sorted(UNITS)), st.sampled_from(["", " "]))
def test_a_number_and_a_unit_parse_to_seconds(n, unit, space):
    assert parse_duration(f"{n}{space}{unit}") == n * UNITS[unit]


@given(st.text(max_size=12))
def test_any_other_text_is_refused_with_the_fix(text):
    try:
        seconds = parse_duration(text)
    except MonitorError as exc:
        assert repr(text) in str(exc) and "1h" in str(exc)
    else:
        assert seconds > 0


def test_row_windows_take_the_last_rows_or_the_last_complete_block():
    last = WindowSettings(size=100).resolve(now=0, total_rows=250)
    assert (last.offset, last.limit) == (150, 100)
    tumbling = WindowSettings(size=100, mode="tumbling").resolve(now=0, total_rows=250)
    assert (tumbling.offset, tumbling.limit) == (100, 100)
    early = WindowSettings(size=100, mode="tumbling").resolve(now=0, total_rows=40)
    assert (early.offset, early.limit) == (0, 100)


def test_time_windows_end_now_or_at_the_last_bucket_boundary():
    last = WindowSettings(size="1h").resolve(now=10_000, total_rows=0)
    assert (last.start, last.end) == (6400, 10_000)
    tumbling = WindowSettings(size="1h", mode="tumbling").resolve(now=10_000, total_rows=0)
    assert (tumbling.start, tumbling.end) == (3600, 7200)


def test_a_row_count_may_be_given_as_text_and_bad_sizes_are_refused():
    assert WindowSettings(size="500").size == 500
    with pytest.raises(ValueError, match="not a duration"):
        WindowSettings(size="1 fortnight")
    with pytest.raises(ValueError, match="at least one row"):
        WindowSettings(size=0)


def test_a_file_splits_into_row_blocks_or_time_buckets():
    frame = pd.DataFrame(
        {
            "t": ["2024-01-01T00:10:00Z", "2024-01-01T01:10:00Z", "2024-01-01T01:50:00Z"],
            "x": [1, 2, 3],
        }
    )
    blocks = [len(rows) for _, rows in split_windows(frame, WindowSettings(size=2))]
    assert blocks == [2, 1]
    hours = [
        (w.start, len(rows)) for w, rows in split_windows(frame, WindowSettings(size="1h"), "t")
    ]
    assert hours == [(1704067200.0, 1), (1704070800.0, 2)]
    with pytest.raises(MonitorError, match="row 1: 'soon' is not a time"):
        list(
            split_windows(
                frame.assign(t=["2024-01-01", "soon", "2024-01-02"]), WindowSettings(size="1h"), "t"
            )
        )
