"""What an audit judges against: licences allowed and denied, the vulnerability severity
that fails, how "not checked", unknown licences, outdated packages and secrets count.

Read from `--policy FILE`, else KNOTWORK_AUDIT_POLICY, else `knotwork-audit.json` in the
workspace, else these defaults. The registry's per-stage `audit` gate is the same model.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from studio.core.errors import KnotworkError

from .severity import LEVELS

POLICY_FILE = "knotwork-audit.json"
Level = Literal["low", "medium", "high", "critical"]
Weight = Literal["fail", "warn", "ignore"]

# Permissive and weak-copyleft licences a model service may ship; strong network copyleft
# is denied. Anything else known but not listed is "not allowed" (a failure), unknown a warning.
DEFAULT_ALLOW = [
    "0BSD", "Apache-2.0", "BSD-2-Clause", "BSD-3-Clause", "CC0-1.0", "HPND", "ISC",
    "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "MIT",
    "MIT-0", "MIT-CMU", "MPL-2.0", "PSF-2.0", "Python-2.0", "Unlicense", "Zlib",
    "LicenseRef-BSD", "LicenseRef-OSI-Approved",
]  # fmt: skip
DEFAULT_DENY = ["AGPL-1.0-only", "AGPL-3.0-only", "AGPL-3.0-or-later", "SSPL-1.0"]


class AuditError(KnotworkError):
    """An audit that cannot be carried out as asked: bad policy, advisories or target."""


class AuditPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fail_on_severity: Level = Field(
        "high", description="a vulnerability of this severity or worse fails the audit"
    )
    unknown_severity: Level = Field(
        "high", description="severity assumed for an advisory that gives none"
    )
    ignore_vulnerabilities: list[str] = Field(
        default_factory=list, description="advisory ids accepted after review"
    )
    not_checked: Weight = Field(
        "warn", description="packages no vulnerability source could check (--strict: fail)"
    )
    allow_licences: list[str] = Field(
        default_factory=lambda: list(DEFAULT_ALLOW),
        description="SPDX ids allowed; empty allows every licence not denied",
    )
    deny_licences: list[str] = Field(default_factory=lambda: list(DEFAULT_DENY))
    unknown_licence: Weight = Field("warn", description="a package whose licence is unknown")
    outdated: Weight = Field("warn", description="a pin behind the newest release")
    secrets: Weight = Field("fail", description="a secret found in a file")
    vulnerability_service: Literal["pypi", "osv"] = "pypi"
    osv_url: str = "https://api.osv.dev/v1/query"
    index_url: str | None = Field(
        None, description="package index for `outdated`; default PIP_INDEX_URL or PyPI"
    )
    advisories: str | None = Field(
        None, description="OSV advisory file or folder used instead of the online services"
    )
    timeout: float = Field(10, gt=0, description="seconds for each online request")

    @field_validator("allow_licences", "deny_licences")
    @classmethod
    def _spdx(cls, ids: list[str]) -> list[str]:
        return [i.strip() for i in ids if i.strip()]

    def vulnerability_fails(self, level: str) -> bool:
        level = self.unknown_severity if level == "unknown" else level
        return LEVELS.index(level) >= LEVELS.index(self.fail_on_severity)


def load_policy(
    path: str | Path | None = None, workspace: Path | None = None
) -> tuple[AuditPolicy, Path | None]:
    """The audit policy and the file it came from (None: the defaults)."""
    explicit = path or os.environ.get("KNOTWORK_AUDIT_POLICY")
    if workspace is None:
        from studio.storage.database import workspace_dir

        workspace = workspace_dir()
    candidate = Path(explicit) if explicit else workspace / POLICY_FILE
    if not candidate.exists():
        if explicit:
            raise AuditError(f"{candidate}: audit policy file not found")
        return AuditPolicy(), None
    try:
        policy = AuditPolicy.model_validate(json.loads(candidate.read_text(encoding="utf-8")))
    except json.JSONDecodeError as exc:
        raise AuditError(f"{candidate}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "$"
        raise AuditError(f"{candidate}: {where}: {err['msg']}") from None
    if policy.advisories and not Path(policy.advisories).is_absolute():
        policy.advisories = str((candidate.parent / policy.advisories).resolve())
    return policy, candidate
