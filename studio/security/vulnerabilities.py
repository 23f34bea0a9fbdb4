"""Known vulnerabilities of pinned packages, through pip-audit's auditor and its services:
the offline OSV advisory files when given, else PyPI's or OSV's online service.

A package no source could answer for is "not checked", never "no known vulnerabilities".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import requests
from packaging.version import InvalidVersion, Version
from pip_audit._audit import Auditor
from pip_audit._dependency_source import DependencySource
from pip_audit._service import (
    ConnectionError,
    Dependency,
    OsvService,
    PyPIService,
    ResolvedDependency,
    ServiceError,
    SkippedDependency,
    VulnerabilityService,
)

from .advisories import OsvFileService
from .audit_policy import AuditPolicy
from .severity import osv_severity
from .signing import knotwork_home


@dataclass
class Vulnerability:
    id: str
    aliases: list[str]
    severity: str  # unknown | low | medium | high | critical
    score: float | None
    fix_versions: list[str]
    summary: str


@dataclass
class PackageVulnerabilities:
    name: str
    version: str
    checked: bool
    note: str = ""
    vulnerabilities: list[Vulnerability] = field(default_factory=list)


@dataclass
class VulnerabilityCheck:
    source: str
    packages: list[PackageVulnerabilities]
    note: str = ""

    @property
    def checked(self) -> bool:
        return any(p.checked for p in self.packages)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VulnerabilityCheck:
        packages = [
            PackageVulnerabilities(
                **{**p, "vulnerabilities": [Vulnerability(**v) for v in p["vulnerabilities"]]}
            )
            for p in data.get("packages", [])
        ]
        return cls(data.get("source", "?"), packages, data.get("note", ""))


class _Pins(DependencySource):
    """pip-audit dependency source over exact pins (a bundle's or the environment's)."""

    def __init__(self, pins: dict[str, str]) -> None:
        self.pins = pins

    def collect(self) -> Iterator[Dependency]:
        for name, version in self.pins.items():
            try:
                yield ResolvedDependency(name=name, version=Version(version))
            except InvalidVersion:
                yield SkippedDependency(
                    name=name, skip_reason=f"version {version!r} is not PEP 440"
                )

    def fix(self, fix_version: Any) -> None:  # pragma: no cover - audits never change anything
        raise NotImplementedError("knotwork audit reports; it does not upgrade")


class _OsvOnline(OsvService):
    """pip-audit's OSV service, keeping each answer's severity (pip-audit drops it)."""

    def __init__(self, policy: AuditPolicy) -> None:
        super().__init__(_cache_dir(), int(policy.timeout), policy.osv_url)
        self.severity: dict[str, tuple[str, float | None]] = {}
        self.session.hooks["response"].append(self._keep_severity)

    def _keep_severity(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        try:
            vulns = (response.json() or {}).get("vulns", [])
        except ValueError:
            return
        for v in vulns:
            for vid in (v.get("id"), *v.get("aliases", [])):
                self.severity[str(vid)] = osv_severity(v)


def _cache_dir() -> Path:
    return knotwork_home() / "cache" / "pip-audit"


def service_for(
    policy: AuditPolicy, advisories: str | Path | None
) -> tuple[VulnerabilityService, str]:
    """The vulnerability service an audit uses and how the report names it."""
    path = advisories or policy.advisories
    if path:
        service = OsvFileService(path)
        return service, f"OSV advisories {path} ({len(service)} records)"
    if policy.vulnerability_service == "osv":
        return _OsvOnline(policy), f"OSV ({policy.osv_url})"
    return PyPIService(_cache_dir(), int(policy.timeout)), "PyPI vulnerability feed"


def check(
    pins: dict[str, str], policy: AuditPolicy, advisories: str | Path | None = None
) -> VulnerabilityCheck:
    """Query every pin; a source that cannot be reached leaves the rest "not checked"."""
    service, source = service_for(policy, advisories)
    severity: dict[str, tuple[str, float | None]] = getattr(service, "severity", {})
    done: dict[str, PackageVulnerabilities] = {}
    note = ""
    try:
        for dep, results in Auditor(service).audit(_Pins(pins)):
            if isinstance(dep, SkippedDependency):
                done[dep.name] = PackageVulnerabilities(
                    dep.name, pins[dep.name], False, dep.skip_reason
                )
                continue
            vulns = []
            for r in results:
                level, score = severity.get(r.id) or next(
                    (severity[a] for a in r.aliases if a in severity), ("unknown", None)
                )
                vulns.append(
                    Vulnerability(
                        r.id,
                        sorted(r.aliases),
                        level,
                        score,
                        [str(v) for v in r.fix_versions],
                        r.description,
                    )
                )
            done[dep.name] = PackageVulnerabilities(dep.name, pins[dep.name], True, "", vulns)
    except (ConnectionError, ServiceError, requests.RequestException) as exc:
        note = f"{source} could not be reached: {str(exc.__cause__ or exc) or type(exc).__name__}"
    packages = [
        done.get(n) or PackageVulnerabilities(n, v, False, note or "not answered")
        for n, v in pins.items()
    ]
    return VulnerabilityCheck(source, packages, note)
