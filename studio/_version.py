"""The Knotwork version, in a leaf module so any layer can read it without importing the
root package (which would run back up the dependency arrows)."""

from __future__ import annotations

__version__ = "0.1.0"
