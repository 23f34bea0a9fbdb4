"""Which logged rows a monitor looks at: the last N rows, tumbling blocks of N rows, or the
same by time ("1h", "1d"), with a minimum row count below which the verdict is
"not enough data" (never ok, never alert)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import pandas as pd
from pydantic import BaseModel, Field, field_validator

from .errors import MonitorError
from .status import WindowInfo

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*")


def parse_duration(text: str) -> float:
    """Seconds in a duration like "90s", "15m", "1h", "1.5d" or "2w"."""
    match = _DURATION.fullmatch(text)
    seconds = float(match.group(1)) * UNITS[match.group(2)] if match else 0.0
    if not match or seconds <= 0:
        raise MonitorError(
            f"window {text!r} is not a duration: write a positive number and a unit "
            "s, m, h, d or w (e.g. 1h, 1d), or a row count"
        )
    return seconds


def instant(text: str, now: float) -> float | None:
    """Epoch seconds of a duration back from `now` ("7d") or of a date ("2026-12-01",
    UTC unless it says otherwise); None for empty text."""
    text = text.strip()
    if not text:
        return None
    if _DURATION.fullmatch(text):
        return now - parse_duration(text)
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        stamp = None
    if stamp is None or pd.isna(stamp):
        raise MonitorError(
            f"{text!r} is neither a duration (7d, 12h, 30m) nor a date (2026-12-01T08:00)"
        )
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).timestamp()


class WindowSettings(BaseModel):
    size: int | str = Field(
        1000, description="Rows (a number) or a duration (e.g. 1h, 1d) per window"
    )
    mode: Literal["last", "tumbling"] = Field(
        "last", description="last: the most recent rows; tumbling: the last complete block"
    )
    min_rows: int = Field(30, ge=1, description="Fewer rows than this: not enough data")

    @field_validator("size")
    @classmethod
    def _size(cls, value: int | str) -> int | str:
        if isinstance(value, str):
            if value.strip().isdigit():
                value = int(value)
            else:
                try:
                    parse_duration(value)
                except MonitorError as exc:  # pydantic reports ValueErrors with the field
                    raise ValueError(str(exc)) from None
                return value.strip()
        if value < 1:
            raise ValueError(f"a window needs at least one row, not {value}")
        return value

    @property
    def by_time(self) -> bool:
        return isinstance(self.size, str)

    @property
    def label(self) -> str:
        return self.size if self.by_time else f"{self.size} rows"

    def resolve(self, now: float, total_rows: int) -> Window:
        """The window to read now, given how many rows the store holds for the model."""
        if self.by_time:
            length = parse_duration(self.size)
            end = math.floor(now / length) * length if self.mode == "tumbling" else now
            return Window(self.mode, self.label, start=end - length, end=end)
        n = int(self.size)
        if self.mode == "tumbling" and total_rows >= n:
            blocks = total_rows // n
            return Window(self.mode, self.label, offset=(blocks - 1) * n, limit=n)
        return Window(self.mode, self.label, offset=max(total_rows - n, 0), limit=n)

    def enough(self, n_rows: int) -> bool:
        return n_rows >= self.min_rows


@dataclass(frozen=True)
class Window:
    """A resolved window: a time range [start, end) or a row range (offset, limit)."""

    mode: str
    label: str
    start: float | None = None
    end: float | None = None
    offset: int | None = None
    limit: int | None = None

    def info(self, n_rows: int, start: float | None = None, end: float | None = None) -> WindowInfo:
        """What a status shows; row windows pass the time span of the rows they read."""
        return WindowInfo(
            mode=self.mode,
            size=self.label,
            start=self.start if self.start is not None else start,
            end=self.end if self.end is not None else end,
            n_rows=n_rows,
        )


def split_windows(
    frame: pd.DataFrame, settings: WindowSettings, ts_column: str | None = None
) -> Iterator[tuple[Window, pd.DataFrame]]:
    """Tumbling windows over a file of rows (replay): blocks of N rows, or time buckets of
    `ts_column`; a last partial block is included (its size decides its verdict)."""
    if not settings.by_time:
        n = int(settings.size)
        for offset in range(0, len(frame), n):
            yield (
                Window("tumbling", settings.label, offset=offset, limit=n),
                frame.iloc[offset : offset + n],
            )
        return
    if ts_column is None or ts_column not in frame.columns:
        raise MonitorError(
            f"a {settings.size} window needs a time column; name it (it has {list(frame.columns)})"
        )
    length = parse_duration(str(settings.size))
    ts = _epoch_seconds(frame[ts_column], ts_column)
    buckets = (ts // length).astype("int64")
    for bucket, rows in frame.groupby(buckets.to_numpy(), sort=True):
        start = float(bucket) * length
        yield Window("tumbling", settings.label, start=start, end=start + length), rows


def _epoch_seconds(values: pd.Series, column: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    parsed = pd.to_datetime(values, utc=True, errors="coerce")
    if parsed.isna().any():
        row = int(parsed.isna().to_numpy().argmax())
        raise MonitorError(
            f"column {column!r} row {row}: {values.iloc[row]!r} is not a time; "
            "use ISO-8601 (2024-05-01T12:00:00Z) or epoch seconds"
        )
    return (parsed - pd.Timestamp(0, tz="UTC")).dt.total_seconds()
