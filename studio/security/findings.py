"""Weigh an audit report against a policy: each finding fails or warns, with its subject
(package or file:line) and, for vulnerabilities, the advisory id. Exit 1 on any failure."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from .audit import AuditReport
from .audit_policy import AuditPolicy
from .licences import judge as judge_licence


@dataclass(frozen=True)
class Finding:
    level: str  # fail | warn
    category: str  # vulnerability | not checked | licence | outdated | secret
    subject: str
    message: str
    advisory: str | None = None

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def __str__(self) -> str:
        head = f"{self.advisory} " if self.advisory else ""
        return f"[{self.level}] {self.category}: {self.subject}: {head}{self.message}"


def _weighed(weight: str, *args: str, advisory: str | None = None) -> list[Finding]:
    return [] if weight == "ignore" else [Finding(weight, *args, advisory=advisory)]


def judge(report: AuditReport, policy: AuditPolicy, strict: bool = False) -> list[Finding]:
    """Every finding of the report; `strict` makes "not checked" a failure."""
    out: list[Finding] = []
    ignored = set(policy.ignore_vulnerabilities)
    check = report.vulnerabilities
    if check is not None:
        unchecked = [p for p in check.packages if not p.checked]
        weight = "fail" if strict else policy.not_checked
        if unchecked and not check.checked:
            reason = check.note or unchecked[0].note
            out += _weighed(
                weight,
                "not checked",
                f"{len(unchecked)} package(s)",
                f"no vulnerability source answered ({reason}); this is not 'no known vulnerabilities'",
            )
        else:
            for p in unchecked:
                out += _weighed(weight, "not checked", f"{p.name} {p.version}", p.note)
        for p in check.packages:
            for v in p.vulnerabilities:
                if ignored & {v.id, *v.aliases}:
                    continue
                fails = policy.vulnerability_fails(v.severity)
                fix = f"; fixed in {', '.join(v.fix_versions)}" if v.fix_versions else ""
                aka = f" (also {', '.join(v.aliases)})" if v.aliases else ""
                out.append(
                    Finding(
                        "fail" if fails else "warn",
                        "vulnerability",
                        f"{p.name} {p.version}",
                        f"{v.severity}{aka}: {v.summary}{fix}",
                        advisory=v.id,
                    )
                )
    for lic in report.licences:
        verdict = judge_licence(lic, policy)
        subject = f"{lic.name} {lic.version}"
        if verdict.verdict == "denied":
            out.append(Finding("fail", "licence", subject, f"denied licence {verdict.detail}"))
        elif verdict.verdict == "not allowed":
            out.append(
                Finding("fail", "licence", subject, f"not on the allow list: {verdict.detail}")
            )
        elif verdict.verdict == "unknown":
            out += _weighed(
                policy.unknown_licence, "licence", subject, f"unknown licence ({verdict.detail})"
            )
    if report.outdated is not None:
        for c in report.outdated.packages:
            if c.newest is not None and c.behind:
                major = ", a new major version" if c.major_behind else ""
                out += _weighed(
                    policy.outdated,
                    "outdated",
                    f"{c.name} {c.version}",
                    f"{c.behind} release(s) behind {c.newest}{major}",
                )
    for s in report.secrets:
        out += _weighed(
            policy.secrets, "secret", f"{s.file}:{s.line}", f"{s.kind} (value not shown)"
        )
    return out


def exit_code(findings: list[Finding]) -> int:
    return 1 if any(f.level == "fail" for f in findings) else 0


def summary_lines(report: AuditReport) -> list[str]:
    """What was checked, in a few lines, before the findings."""
    lines = [f"audit of {report.target} ({report.kind}) at {report.at}"]
    n = len(report.requirements)
    v = report.vulnerabilities
    if v is not None:
        checked = sum(p.checked for p in v.packages)
        found = sum(len(p.vulnerabilities) for p in v.packages)
        status = (
            f"{checked} of {n} package(s) checked, {found} known vulnerabilities"
            if v.checked
            else "not checked"
        )
        lines.append(f"  vulnerabilities: {status} — source: {v.source}")
    if report.licences:
        known = sum(lic.expression is not None for lic in report.licences)
        lines.append(f"  licences:        {known} of {len(report.licences)} known")
    if report.outdated is not None:
        o = report.outdated
        behind = sum(1 for c in o.packages if c.behind)
        state = f"{behind} of {n} behind the newest release" if o.checked else "not checked"
        lines.append(f"  outdated:        {state} — index: {o.index}")
    if report.secrets_scanned:
        lines.append(f"  secrets:         {len(report.secrets)} found")
    lines += [f"  note: {note}" for note in report.notes]
    if report.outdated is not None and report.outdated.note:
        lines.append(f"  note: {report.outdated.note}")
    return lines


def gate(recorded: dict | None, policy: AuditPolicy) -> tuple[bool, str]:
    """The registry's audit gate over the audit a bundle's manifest records: (passed, detail
    naming each failing finding with its advisory id)."""
    if not recorded:
        return False, (
            "the bundle records no dependency audit (built before audits): "
            "rebuild it with knotwork deploy"
        )
    found = judge(AuditReport.from_json(recorded), policy)
    fails = [f for f in found if f.level == "fail"]
    warns = len(found) - len(fails)
    if not fails:
        return True, f"audit of {recorded.get('at', '?')}: no failure, {warns} warning(s)"
    items = "".join(f"\n      - {f}" for f in fails)
    return False, f"{len(fails)} audit finding(s) above the policy, {warns} warning(s):{items}"


def recorded_summary(recorded: dict | None, policy: AuditPolicy | None = None) -> str:
    """One line on the audit a manifest records, judged against the policy (default: the
    workspace's): for deploy's output, `bundle inspect`, the Deploy wizard and the Registry dock."""
    if not recorded:
        return "no dependency audit recorded (built before audits)"
    if policy is None:
        from .audit_policy import load_policy

        policy = load_policy()[0]
    report = AuditReport.from_json(recorded)
    found = judge(report, policy)
    fails = sum(f.level == "fail" for f in found)
    v = report.vulnerabilities
    if v is None:
        vulns = "vulnerabilities not audited"
    elif v.checked:
        count = sum(len(p.vulnerabilities) for p in v.packages)
        vulns = f"{count} known vulnerabilities in {len(v.packages)} requirement(s)"
    else:
        vulns = "vulnerabilities NOT CHECKED"
    verdict = f"{fails} failure(s)" if fails else "passes the policy"
    return (
        f"{verdict}, {len(found) - fails} warning(s); {vulns}; "
        f"{len(report.secrets)} secret(s) found"
    )


def recorded_verdict(recorded: dict | None, policy: AuditPolicy) -> str:
    """A table cell's word for a recorded audit: ok, N failed, not checked, or none."""
    if not recorded:
        return "none"
    report = AuditReport.from_json(recorded)
    fails = sum(f.level == "fail" for f in judge(report, policy))
    if fails:
        return f"{fails} failed"
    v = report.vulnerabilities
    return "ok" if v is not None and v.checked else "not checked"
