"""Knotwork: build ML workflows visually, run them headless, deploy exactly what was trained."""

from __future__ import annotations

__version__ = "0.1.0"

from .core import Workflow  # noqa: E402

__all__ = ["Workflow", "__version__"]
