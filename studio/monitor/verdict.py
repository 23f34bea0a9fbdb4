"""One verdict vocabulary for drift, live and estimated performance, so alerting,
Prometheus gauges, `knotwork monitor status` and the studio dock read every monitor alike."""

from __future__ import annotations

from enum import Enum


class Verdict(str, Enum):
    OK = "ok"
    WARN = "warn"
    ALERT = "alert"
    NO_DATA = "not enough data"

    @property
    def gauge(self) -> int:
        """The number a Prometheus gauge shows: -1 no data, 0 ok, 1 warn, 2 alert."""
        return {"not enough data": -1, "ok": 0, "warn": 1, "alert": 2}[self.value]


def worst(verdicts: list[Verdict]) -> Verdict:
    """Alert beats warn beats ok; "not enough data" only when nothing else is known."""
    for v in (Verdict.ALERT, Verdict.WARN, Verdict.OK):
        if v in verdicts:
            return v
    return Verdict.NO_DATA
