"""numpy scalars as the Python values they hold, for everything that must persist or
travel as plain data: fitted state written with skops, JSON in manifests and responses."""

from __future__ import annotations

from typing import Any

import numpy as np


def python_scalar(value: Any) -> Any:
    """`np.int64(3)` -> `3`, `np.float32(0.5)` -> `0.5`, `np.bool_(True)` -> `True`;
    anything that is not a numpy scalar comes back unchanged."""
    return value.item() if isinstance(value, np.generic) else value
