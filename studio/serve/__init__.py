"""The model server (FastAPI + uvicorn): scores rows with a verified bundle over REST and
the Open Inference Protocol. No Qt here."""

from __future__ import annotations

from .app import create_app
from .holder import ModelHolder, ServedModel
from .monitoring import ServerMonitoring
from .settings import ServerSettings, ServerSettingsError

__all__ = [
    "ModelHolder",
    "ServedModel",
    "ServerMonitoring",
    "ServerSettings",
    "ServerSettingsError",
    "create_app",
]
