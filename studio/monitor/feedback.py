"""Ground truth sent for scored rows: validation that names the field at fault, and the
receipt that reports how many items matched a logged prediction (unknown request ids
are stored and counted, never dropped)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import FeedbackError

FIELDS = ("request_id", "row", "truth")


@dataclass(frozen=True)
class FeedbackItem:
    request_id: str
    row: int
    truth: Any


@dataclass(frozen=True)
class FeedbackReceipt:
    """`matched`/`unmatched` are None while the store is unreachable (the items wait in
    the buffer and are matched when written)."""

    accepted: int
    matched: int | None
    unmatched: int | None
    unmatched_ids: tuple[str, ...] = ()

    @property
    def pending(self) -> bool:
        return self.matched is None


def parse_feedback(items: Any) -> list[FeedbackItem]:
    """Validate feedback (one object or a list of {request_id, row, truth}); the error
    names the first bad field as `[index].field`."""
    listed = [items] if isinstance(items, dict) else items
    if not isinstance(listed, (list, tuple)):
        raise FeedbackError("$", "send an object {request_id, row, truth} or a list of them")
    parsed = []
    for i, item in enumerate(listed):
        if not isinstance(item, dict):
            raise FeedbackError(f"[{i}]", "expected an object {request_id, row, truth}")
        unknown = [k for k in item if k not in FIELDS]
        if unknown:
            raise FeedbackError(f"[{i}].{unknown[0]}", f"unknown field; the fields are {FIELDS}")
        request_id, row = item.get("request_id"), item.get("row")
        if not isinstance(request_id, str) or not request_id.strip():
            raise FeedbackError(f"[{i}].request_id", "expected the request_id a prediction gave")
        if len(request_id) > 64:
            raise FeedbackError(f"[{i}].request_id", "longer than 64 characters")
        if isinstance(row, bool) or not isinstance(row, int) or not 0 <= row < 2**31:
            raise FeedbackError(
                f"[{i}].row", f"expected the 0-based row index within the request, got {row!r}"
            )
        if "truth" not in item or item["truth"] is None:
            raise FeedbackError(f"[{i}].truth", "missing: send the true value of the row")
        truth = item["truth"]
        if not isinstance(truth, (str, int, float)) or (
            isinstance(truth, float) and truth != truth
        ):
            raise FeedbackError(
                f"[{i}].truth", f"expected a class label or a number, got {truth!r}"
            )
        parsed.append(FeedbackItem(request_id, row, truth))
    return parsed
