"""Registry errors, part of the one Knotwork hierarchy (`studio.core.errors`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from studio.core.errors import KnotworkError

if TYPE_CHECKING:
    from .results import PolicyReport


class RegistryError(KnotworkError):
    """Something the registry refuses or cannot do; the message says what to do."""


class NotFoundError(RegistryError):
    """An unknown model, version, alias or environment."""


class SchemaTooNewError(RegistryError):
    """The database was upgraded by a newer Knotwork than this one."""


class PermissionDeniedError(RegistryError):
    """The caller's identity or token role does not allow the operation."""


class ArtifactError(RegistryError):
    """A stored bundle is missing or does not match its recorded hash; never served."""


class PromotionRefusedError(RegistryError):
    """A promotion (or rollback) that failed one or more policy checks; carries the whole
    report, whose `action` says which."""

    def __init__(self, report: PolicyReport):
        self.report = report
        super().__init__(report.text())
