"""Monitoring errors, part of the one Knotwork hierarchy (`studio.core.errors`)."""

from __future__ import annotations

from studio.core.errors import KnotworkError


class MonitorError(KnotworkError):
    """A monitor that cannot be set up or evaluated; the message says what to do."""


class MonitorStoreError(MonitorError):
    """The monitoring store cannot be opened or was written by a newer Knotwork."""


class FeedbackError(MonitorError):
    """A malformed feedback item; `field` names the field at fault (`[2].truth`)."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"feedback {field}: {reason}")
