"""Vulnerabilities through pip-audit's auditor: offline OSV advisory files for packages
installed here, a real OSV-speaking server on 127.0.0.1, and honest "not checked"."""

from __future__ import annotations

import json
import zipfile

from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version

from studio.cli.main import main
from studio.security.advisories import _in_range
from studio.security.audit_policy import AuditPolicy
from studio.security.findings import judge
from studio.security.vulnerabilities import check

from .conftest import VULNERABLE, installed, next_version, osv_record


def _audit_json(capsys, *argv: str) -> tuple[int, dict]:
    code = main(["audit", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_an_advisory_for_an_installed_version_fails_the_environment_audit_naming_it(
    vulnerable_sklearn, capsys
):
    code, out = _audit_json(capsys, "--offline", "--advisories", str(vulnerable_sklearn))
    assert code == 1
    vulns = [f for f in out["findings"] if f["category"] == "vulnerability"]
    assert [(f["level"], f["subject"]) for f in vulns] == [
        ("fail", f"{VULNERABLE} {installed(VULNERABLE)}")
    ]
    # pip-audit prefers the CVE id as the primary one; the GHSA id stays as an alias
    assert vulns[0]["advisory"] == "CVE-2099-11111" and "GHSA-kw12-aaaa-0001" in vulns[0]["message"]
    assert f"fixed in {next_version(installed(VULNERABLE))}" in vulns[0]["message"]
    packages = out["report"]["vulnerabilities"]["packages"]
    assert all(p["checked"] for p in packages)


def test_a_fixed_version_and_another_package_are_not_reported(advisory_file):
    version = installed(VULNERABLE)
    path = advisory_file(
        osv_record(VULNERABLE, fixed=version),  # fixed in the installed version
        osv_record("no-such-package-kw12", id="GHSA-kw12-aaaa-0002", aliases=()),
    )
    result = check({VULNERABLE: version, "requests": installed("requests")}, AuditPolicy(), path)
    assert result.checked and all(p.checked and not p.vulnerabilities for p in result.packages)


def test_last_affected_and_explicit_versions_are_honoured(advisory_file):
    version = installed("requests")
    path = advisory_file(
        osv_record("requests", id="PYSEC-2099-1", aliases=(), last_affected=version),
        osv_record("requests", id="PYSEC-2099-2", aliases=(), versions=["0.1", version]),
        osv_record("requests", id="PYSEC-2099-3", aliases=(), versions=["0.1"]),
    )
    [pkg] = check({"requests": version}, AuditPolicy(), path).packages
    assert sorted(v.id for v in pkg.vulnerabilities) == ["PYSEC-2099-1", "PYSEC-2099-2"]


@given(
    st.lists(st.integers(0, 30), min_size=2, max_size=6, unique=True).map(sorted),
    st.integers(0, 31),
)
def test_an_ecosystem_range_holds_exactly_the_versions_between_introduced_and_fixed(bounds, v):
    events = []
    for i, b in enumerate(bounds):
        events.append({"introduced" if i % 2 == 0 else "fixed": f"1.{b}"})
    expected = any(
        bounds[i] <= v and (i + 1 >= len(bounds) or v < bounds[i + 1])
        for i in range(0, len(bounds), 2)
    )
    assert _in_range(Version(f"1.{v}"), events) == expected


def test_advisories_are_read_from_a_folder_and_from_a_zip_export(tmp_path):
    version = installed(VULNERABLE)
    folder = tmp_path / "osv"
    (folder / "PyPI").mkdir(parents=True)
    record = osv_record(VULNERABLE, fixed=next_version(version))
    (folder / "PyPI" / "GHSA-kw12-aaaa-0001.json").write_text(json.dumps(record))
    export = tmp_path / "all.zip"
    with zipfile.ZipFile(export, "w") as zf:
        zf.writestr("GHSA-kw12-aaaa-0001.json", json.dumps(record))
    for source in (folder, export):
        [pkg] = check({VULNERABLE: version}, AuditPolicy(), source).packages
        assert [v.id for v in pkg.vulnerabilities] == ["CVE-2099-11111"]
        assert pkg.vulnerabilities[0].severity == "critical"


def test_a_broken_advisory_file_is_bad_usage_naming_file_and_line(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('[\n  {"id": "X",\n  oops}\n]')
    assert main(["audit", "--offline", "--advisories", str(bad)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "line 3" in err


def test_severity_comes_from_the_database_word_or_the_cvss_vector_else_the_policy(
    advisory_file,
):
    version = installed("requests")
    path = advisory_file(
        osv_record("requests", id="PYSEC-2099-10", aliases=(), severity="MODERATE"),
        osv_record(
            "requests",
            id="PYSEC-2099-11",
            aliases=(),
            severity=None,
            cvss="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        ),
        osv_record("requests", id="PYSEC-2099-12", aliases=(), severity=None),
    )
    result = check({"requests": version}, AuditPolicy(), path)
    levels = {v.id: (v.severity, v.score) for v in result.packages[0].vulnerabilities}
    assert levels == {
        "PYSEC-2099-10": ("medium", None),
        "PYSEC-2099-11": ("critical", 9.8),
        "PYSEC-2099-12": ("unknown", None),
    }
    from studio.security.audit import AuditReport

    report = AuditReport("t", "environment", {"requests": version}, vulnerabilities=result)
    fails = {f.advisory for f in judge(report, AuditPolicy()) if f.level == "fail"}
    assert fails == {"PYSEC-2099-11", "PYSEC-2099-12"}  # unknown counts as high by default
    lenient = AuditPolicy(unknown_severity="low", ignore_vulnerabilities=["PYSEC-2099-11"])
    assert not [f for f in judge(report, lenient) if f.level == "fail"]


def test_offline_without_advisories_is_not_checked_and_strict_fails(capsys):
    code, out = _audit_json(capsys, "--offline")
    assert code == 0
    [note] = [f for f in out["findings"] if f["category"] == "not checked"]
    assert note["level"] == "warn" and "not 'no known vulnerabilities'" in note["message"]
    assert not any(p["checked"] for p in out["report"]["vulnerabilities"]["packages"])
    code, out = _audit_json(capsys, "--offline", "--strict")
    assert code == 1
    assert [f["level"] for f in out["findings"] if f["category"] == "not checked"] == ["fail"]


def test_the_online_osv_service_is_asked_and_its_severity_kept(http_server, tmp_path, capsys):
    version = installed("requests")
    record = osv_record("requests", id="GHSA-kw12-aaaa-0003", aliases=(), severity="HIGH")

    def answer(body: bytes) -> bytes:
        query = json.loads(body)
        hit = query["package"]["name"] == "requests" and query["version"] == version
        return json.dumps({"vulns": [record]} if hit else {}).encode()

    server = http_server({("POST", "/v1/query"): (200, "application/json", answer)})
    policy = AuditPolicy(vulnerability_service="osv", osv_url=f"{server.url}/v1/query")
    result = check({"requests": version, VULNERABLE: installed(VULNERABLE)}, policy)
    found = {p.name: [(v.id, v.severity) for v in p.vulnerabilities] for p in result.packages}
    assert found == {"requests": [("GHSA-kw12-aaaa-0003", "high")], VULNERABLE: []}
    assert len(server.requests) == 2 and result.source.startswith("OSV (http://127.0.0.1")


def test_an_unreachable_online_service_is_not_checked_never_clean(
    closed_port, tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("KNOTWORK_AUDIT_OFFLINE")  # online, against a port nothing listens on
    nowhere = f"http://127.0.0.1:{closed_port}"
    policy_file = tmp_path / "knotwork-audit.json"
    policy_file.write_text(
        json.dumps(
            {
                "vulnerability_service": "osv",
                "osv_url": f"{nowhere}/v1/query",
                "index_url": f"{nowhere}/simple",
            }
        )
    )
    code, out = _audit_json(capsys, "--policy", str(policy_file))
    vulns = out["report"]["vulnerabilities"]
    assert not any(p["checked"] for p in vulns["packages"])
    assert "could not be reached" in vulns["note"]
    assert "not reachable" in out["report"]["outdated"]["note"]
    assert code == 0  # "not checked" warns by default ...
    code, out = _audit_json(capsys, "--policy", str(policy_file), "--strict")
    assert code == 1  # ... and fails with --strict


def test_a_target_that_is_none_of_the_four_and_a_missing_policy_are_bad_usage(tmp_path, capsys):
    assert main(["audit", str(tmp_path / "missing.zip")]) == 2
    assert "no such bundle, workflow or folder" in capsys.readouterr().err
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    assert main(["audit", str(notes)]) == 2
    assert "not a bundle" in capsys.readouterr().err
    assert main(["audit", "--policy", str(tmp_path / "nope.json")]) == 2
    assert "audit policy file not found" in capsys.readouterr().err


def test_a_policy_with_an_unknown_field_is_refused_naming_it(tmp_path, capsys):
    policy = tmp_path / "p.json"
    policy.write_text(json.dumps({"fail_on_severity": "hihg"}))
    assert main(["audit", "--offline", "--policy", str(policy)]) == 2
    err = capsys.readouterr().err
    assert str(policy) in err and "fail_on_severity" in err
