"""Per-column drift of current rows against a reference, streamed chunk by chunk."""

from __future__ import annotations

from .accumulator import DriftAccumulator, ValueSample, detect_drift
from .profile import ColumnProfile, ReferenceProfile, column_kind
from .results import ColumnDrift, DatasetDrift
from .settings import DriftSettings, Kind, TestName

__all__ = [
    "ColumnDrift",
    "ColumnProfile",
    "DatasetDrift",
    "DriftAccumulator",
    "DriftSettings",
    "Kind",
    "ReferenceProfile",
    "TestName",
    "ValueSample",
    "column_kind",
    "detect_drift",
]
