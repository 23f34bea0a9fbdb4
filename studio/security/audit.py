"""The audit of an environment, a bundle, a workflow or a workspace: facts only.

An `AuditReport` records what was found (pins, vulnerabilities, licences, how far behind
each pin is, secrets) and what could not be checked; `findings.judge` weighs it against a
policy. A bundle's manifest carries its report, signed, so a registry gate can judge it
later against the policy of the stage it enters.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from . import outdated, secret_scan, vulnerabilities
from .audit_policy import AuditPolicy, load_policy
from .licences import Licence, licence_of
from .secret_scan import SecretFinding

REPORT_FORMAT = 1
SECTION = "audit"  # the manifest key
OWN = {"knotwork"}  # the project itself is not a third-party package


@dataclass
class AuditReport:
    target: str
    kind: str  # environment | bundle | workflow | workspace
    requirements: dict[str, str]
    vulnerabilities: vulnerabilities.VulnerabilityCheck | None = None
    licences: list[Licence] = field(default_factory=list)
    outdated: outdated.OutdatedCheck | None = None
    secrets: list[SecretFinding] = field(default_factory=list)
    secrets_scanned: bool = False
    notes: list[str] = field(default_factory=list)
    at: str = field(
        default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds")
    )

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": REPORT_FORMAT,
            "target": self.target,
            "kind": self.kind,
            "at": self.at,
            "requirements": self.requirements,
            "vulnerabilities": self.vulnerabilities.to_json() if self.vulnerabilities else None,
            "licences": [asdict(lic) for lic in self.licences],
            "outdated": self.outdated.to_json() if self.outdated else None,
            "secrets": [s.to_json() for s in self.secrets] if self.secrets_scanned else None,
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AuditReport:
        vulns, old = data.get("vulnerabilities"), data.get("outdated")
        secrets = data.get("secrets")
        return cls(
            target=data.get("target", "?"),
            kind=data.get("kind", "?"),
            requirements=dict(data.get("requirements") or {}),
            vulnerabilities=vulnerabilities.VulnerabilityCheck.from_json(vulns) if vulns else None,
            licences=[Licence(**lic) for lic in data.get("licences", [])],
            outdated=outdated.OutdatedCheck.from_json(old) if old else None,
            secrets=[SecretFinding(**s) for s in secrets or []],
            secrets_scanned=secrets is not None,
            notes=list(data.get("notes", [])),
            at=data.get("at", ""),
        )


def environment_pins() -> dict[str, str]:
    """{distribution: version} of everything installed in the running environment."""
    pins: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata.get("Name")
        if name and canonicalize_name(name) not in OWN and name not in pins:
            pins[name] = dist.version
    return dict(sorted(pins.items(), key=lambda kv: kv[0].lower()))


@dataclass
class Checks:
    """Which parts an audit runs; deploy leaves out the network-bound outdated check."""

    vulnerabilities: bool = True
    licences: bool = True
    outdated: bool = True
    offline: bool = False  # no online service: vulnerabilities only from advisory files


def audit_requirements(
    report: AuditReport,
    policy: AuditPolicy,
    advisories: str | Path | None = None,
    checks: Checks | None = None,
) -> AuditReport:
    """Fill in vulnerabilities, licences and currency of the report's requirements."""
    checks = checks or Checks()
    pins = report.requirements
    if checks.vulnerabilities:
        if checks.offline and not (advisories or policy.advisories):
            note = "offline and no advisory files given (--advisories): not checked"
            report.vulnerabilities = vulnerabilities.VulnerabilityCheck(
                "none",
                [
                    vulnerabilities.PackageVulnerabilities(n, v, False, note)
                    for n, v in pins.items()
                ],
                note,
            )
        else:
            report.vulnerabilities = vulnerabilities.check(pins, policy, advisories)
    if checks.licences:
        report.licences = [licence_of(n, v) for n, v in pins.items()]
    if checks.outdated:
        if checks.offline:
            report.notes.append("offline: outdated packages not checked")
        else:
            report.outdated = outdated.check(pins, policy.index_url, policy.timeout)
    return report


def scan_secrets(report: AuditReport, findings: list[SecretFinding]) -> AuditReport:
    report.secrets = findings
    report.secrets_scanned = True
    return report


def audit_environment(
    policy: AuditPolicy, advisories: str | Path | None = None, checks: Checks | None = None
) -> AuditReport:
    report = AuditReport("the running environment", "environment", environment_pins())
    report.notes.append("knotwork itself is not audited as a third-party package")
    return audit_requirements(report, policy, advisories, checks)


def audit_workspace(
    folder: Path,
    policy: AuditPolicy,
    advisories: str | Path | None = None,
    checks: Checks | None = None,
) -> AuditReport:
    """Secrets in every file of the folder (workflows, logs, bundles), and the packages of
    the environment the workspace runs in."""
    report = audit_environment(policy, advisories, checks)
    report.target, report.kind = str(folder), "workspace"
    return scan_secrets(report, secret_scan.scan_folder(folder))


def audit_bundle(
    target: str,
    files: dict[str, bytes],
    pins: dict[str, str],
    policy: AuditPolicy,
    advisories: str | Path | None = None,
    checks: Checks | None = None,
) -> AuditReport:
    """A bundle's requirements, and secrets in its files (named `target!file`)."""
    report = AuditReport(target, "bundle", pins)
    audit_requirements(report, policy, advisories, checks)
    return scan_secrets(report, secret_scan.scan_bytes(files, f"{target}!"))


def offline_requested() -> bool:
    """KNOTWORK_AUDIT_OFFLINE=1: no online vulnerability or index lookups (air-gapped, CI)."""
    return os.environ.get("KNOTWORK_AUDIT_OFFLINE", "").lower() in {"1", "true", "yes"}


def audit_for_bundle(
    name: str,
    version: str,
    files: dict[str, bytes],
    pins: dict[str, str],
    workflow_path: Path | None,
    advisories: str | Path | None = None,
) -> AuditReport:
    """The audit `deploy` records in the manifest: the bundle's requirements (no outdated
    check: building must not wait on the index), secrets in its files and in the workflow."""
    policy, _ = load_policy()
    checks = Checks(outdated=False, offline=offline_requested())
    report = audit_bundle(f"{name}@{version}", files, pins, policy, advisories, checks)
    if workflow_path is not None and Path(workflow_path).exists():
        report.secrets += secret_scan.scan_files([(Path(workflow_path), str(workflow_path))])
    return report
