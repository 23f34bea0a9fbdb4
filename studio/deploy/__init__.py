"""Integrated deployment: capture a trained workflow's scoring path into a signed,
versioned bundle, prove parity, and load it back for serving."""

from __future__ import annotations

from .archive import verify_files as verify_bundle
from .build import BuildResult, build_bundle
from .bundle import Bundle
from .capture import CaptureScope, capture
from .errors import (
    BundleError,
    BundleIntegrityError,
    CaptureError,
    InputSchemaError,
    ParityError,
    UntrustedTypeError,
)

__all__ = [
    "Bundle",
    "BundleError",
    "BundleIntegrityError",
    "BuildResult",
    "CaptureError",
    "CaptureScope",
    "InputSchemaError",
    "ParityError",
    "UntrustedTypeError",
    "build_bundle",
    "capture",
    "verify_bundle",
]
