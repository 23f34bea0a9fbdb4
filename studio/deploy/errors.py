"""What can go wrong when capturing, building, verifying or running a bundle.

All subclass the core hierarchy (`KnotworkError`) so the CLI reports them the same way.
"""

from __future__ import annotations

from studio.core.errors import KnotworkError


class CaptureError(KnotworkError):
    """The workflow has no usable Deployment Input/Output pair, or was not run."""


class BundleError(KnotworkError):
    """A bundle that cannot be built or loaded."""


class BundleIntegrityError(BundleError):
    """A bundle whose files, manifest or signature do not check out; `file` names the first bad file."""

    def __init__(self, message: str, *, file: str | None = None):
        self.file = file
        super().__init__(message)


class UntrustedTypeError(BundleError):
    """A state file holds a type the loader does not trust; nothing was loaded."""

    def __init__(self, file: str, types: list[str]):
        self.file = file
        self.types = types
        super().__init__(
            f"{file}: refusing to load untrusted type(s) {', '.join(types)}: a bundle may only hold the "
            f"scikit-learn, numpy and plain Python objects Knotwork's loader trusts"
        )


class ParityError(BundleError):
    """The bundle's predictions differ from the training run's; `rows` lists the differences."""

    def __init__(self, message: str, rows: list[dict]):
        self.rows = rows
        super().__init__(message)


class InputSchemaError(BundleError):
    """Request rows that do not fit the bundle's input schema; names the column (and row) at fault."""

    def __init__(self, message: str, *, column: str | None = None, row: int | None = None):
        self.column = column
        self.row = row
        super().__init__(message)
