"""The real penguins bundle of the server tests, for the packaging tests."""

from __future__ import annotations

from ..serve.conftest import bundle_path, free_port, knotwork_home  # noqa: F401
