"""One Validation Report check as a JSON-ready record (name, pass/warn/fail, number,
threshold, message), so every module that judges a model words its verdicts alike."""

from __future__ import annotations

import math
from typing import Any


def check(
    name: str, status: str, value: float | None, threshold: float | None, message: str
) -> dict[str, Any]:
    clean = (
        None
        if value is None or (isinstance(value, float) and math.isnan(value))
        else round(float(value), 6)
    )
    return {
        "check": name,
        "status": status,
        "value": clean,
        "threshold": threshold,
        "message": message,
    }
