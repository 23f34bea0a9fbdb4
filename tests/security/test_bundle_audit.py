"""Deploy writes a CycloneDX SBOM and records the audit in the signed manifest; the registry's
prod gate refuses a bundle with a vulnerable or denied-licence requirement or a secret,
naming each finding. One real training run and bundle build serves the module."""

from __future__ import annotations

import json
import shutil

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator

from studio.cli.main import main
from studio.deploy import build_bundle
from studio.deploy.archive import verify_files
from studio.deploy.errors import BundleIntegrityError
from studio.registry import PromotionRefusedError, Registry, RegistryConfig
from studio.security.audit_policy import AuditPolicy
from studio.security.findings import gate
from studio.security.sbom import SBOM_FILE, sbom_requirements

from ..deploy.conftest import scoring_workflow
from .conftest import VULNERABLE, installed, next_version, osv_record

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

ADVISORY = "CVE-2099-11111"
PASSWORD = "Tr0ub4dor-and-3"


@pytest.fixture(scope="module")
def built(tmp_path_factory, penguins_df):
    """A bundle whose scikit-learn is marked vulnerable and whose workflow has a password
    in an annotation; returns (bundle folder, its workflow file)."""
    root = tmp_path_factory.mktemp("bundle-audit")
    csv = root / "penguins.csv"
    penguins_df.dropna().to_csv(csv, index=False)
    wf = scoring_workflow(csv)
    wf.add_annotation(f"password = '{PASSWORD}'", 0, 0)
    wf.save(root / "train.knotwork.json")
    advisories = root / "osv.json"
    record = osv_record(VULNERABLE, fixed=next_version(installed(VULNERABLE)))
    advisories.write_text(json.dumps([record]))
    result = build_bundle(wf, root / "bundle", advisories=advisories)
    return result.path, root / "train.knotwork.json"


def _registry(tmp_path, prod_audit: dict | None) -> Registry:
    prod = {"audit": prod_audit} if prod_audit is not None else {}
    return Registry(
        f"sqlite:///{tmp_path / 'registry.db'}",
        artifacts=tmp_path / "artifacts",
        workspace=tmp_path,
        config=RegistryConfig.model_validate({"policies": {"prod": prod}}),
    )


def test_every_bundle_has_a_valid_cyclonedx_sbom_listing_each_requirement(built):
    bundle, _ = built
    manifest = json.loads((bundle / "manifest.json").read_text())
    document = (bundle / SBOM_FILE).read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(document) is None
    assert sbom_requirements(document) == manifest["requirements"]
    components = json.loads(document)["components"]
    sklearn = next(c for c in components if c["name"] == VULNERABLE)
    assert sklearn["purl"] == f"pkg:pypi/scikit-learn@{installed(VULNERABLE)}"
    assert sklearn["hashes"][0]["alg"] == "SHA-256" and len(sklearn["hashes"][0]["content"]) == 64
    assert sklearn["licenses"] == [{"expression": "BSD-3-Clause"}]


def test_the_sbom_is_covered_by_the_bundle_signature(built, tmp_path):
    copy = shutil.copytree(built[0], tmp_path / "copy")
    sbom = json.loads((copy / SBOM_FILE).read_text())
    sbom["components"] = sbom["components"][1:]  # hide a requirement
    (copy / SBOM_FILE).write_text(json.dumps(sbom))
    with pytest.raises(BundleIntegrityError) as info:
        verify_files(copy)
    assert SBOM_FILE in str(info.value)


def test_the_manifest_records_the_vulnerability_and_the_secret_found_at_deploy(built):
    bundle, workflow = built
    audit = json.loads((bundle / "manifest.json").read_text())["audit"]
    [pkg] = [p for p in audit["vulnerabilities"]["packages"] if p["name"] == VULNERABLE]
    assert pkg["checked"] and [v["id"] for v in pkg["vulnerabilities"]] == [ADVISORY]
    assert [s["file"] for s in audit["secrets"]] == [str(workflow)]
    assert PASSWORD not in (bundle / "manifest.json").read_text()


def test_prod_refuses_the_vulnerable_bundle_naming_the_advisory(built, tmp_path):
    reg = _registry(tmp_path, {"secrets": "warn"})
    reg.register(built[0])
    with pytest.raises(PromotionRefusedError) as info:
        reg.promote("train:1", "prod", reason="ship it")
    [check] = [c for c in info.value.report.checks if c.name == "dependency audit"]
    assert check.verdict == "fail"
    assert ADVISORY in check.detail and f"{VULNERABLE} {installed(VULNERABLE)}" in check.detail
    assert ADVISORY in str(info.value)  # the printed refusal names it too
    reg.close()


def test_prod_refuses_a_requirement_under_a_denied_licence(built, tmp_path):
    policy = {"deny_licences": ["BSD-3-Clause"], "ignore_vulnerabilities": [ADVISORY]}
    reg = _registry(tmp_path, {**policy, "secrets": "warn"})
    reg.register(built[0])
    with pytest.raises(PromotionRefusedError) as info:
        reg.promote("train:1", "prod")
    [check] = [c for c in info.value.report.checks if c.name == "dependency audit"]
    assert f"{VULNERABLE} {installed(VULNERABLE)}: denied licence BSD-3-Clause" in check.detail
    assert ADVISORY not in check.detail
    reg.close()


def test_prod_refuses_a_secret_and_admits_the_bundle_once_findings_are_accepted(built, tmp_path):
    reg = _registry(tmp_path, {"ignore_vulnerabilities": [ADVISORY]})
    reg.register(built[0])
    with pytest.raises(PromotionRefusedError) as info:
        reg.promote("train:1", "prod")
    assert f"secret: {built[1]}:" in str(info.value) and PASSWORD not in str(info.value)
    reg.close()
    lax = _registry(tmp_path, {"ignore_vulnerabilities": [ADVISORY], "secrets": "warn"})
    assert lax.promote("train:1", "prod").status == "promoted"
    lax.close()


def test_a_bundle_that_records_no_audit_is_refused_by_the_gate():
    passed, detail = gate(None, AuditPolicy())
    assert not passed and "rebuild it with knotwork deploy" in detail


def test_audit_of_a_bundle_re_checks_it_and_inspect_shows_the_recorded_audit(
    built, tmp_path, capsys
):
    advisories = tmp_path / "osv.json"
    record = osv_record(VULNERABLE, fixed=next_version(installed(VULNERABLE)))
    advisories.write_text(json.dumps([record]))
    code = main(["audit", str(built[0]), "--offline", "--advisories", str(advisories)])
    out = capsys.readouterr().out
    assert code == 1 and ADVISORY in out and "audit recorded at deploy" in out
    assert main(["bundle", "inspect", str(built[0])]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("  audit:"))
    assert "2 failure(s)" in line and "1 known vulnerabilities" in line and "1 secret(s)" in line
