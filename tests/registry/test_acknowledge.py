"""Validation Report warnings on the way to prod: test takes a version with warnings (not
with failures); prod takes it only once each warning is acknowledged, with a reason, by
someone who may move prod — recorded in the audit log and shown with the version."""

from __future__ import annotations

import json

import pytest

from studio.cli.main import main
from studio.registry import PromotionRefusedError, RegistryError
from tests.registry.factory import PASSING_VALIDATION

IMBALANCE = {
    "check": "class imbalance",
    "status": "warn",
    "value": 0.12,
    "threshold": 0.2,
    "message": "rarest class 'churned' has 40 training rows, commonest 'stayed' has 330",
}
LEAKAGE = {
    "check": "target leakage",
    "status": "warn",
    "value": 0.95,
    "threshold": 0.98,
    "message": "strongest single feature: 'tenure' with held-out balanced accuracy 0.950",
}
WARNED = {
    **PASSING_VALIDATION,
    "status": "warn",
    "checks": [*PASSING_VALIDATION["checks"], IMBALANCE, LEAKAGE],
}


@pytest.fixture
def warned(registry, bundles):
    registry.register(bundles(version="1", validation=WARNED))
    registry.promote("churn:1", "dev")
    return registry


def acknowledgement_check(report):
    return next(c for c in report.checks if c.name == "validation warnings acknowledged")


def test_a_version_with_warnings_reaches_test_but_not_prod_without_acknowledging_them(warned):
    assert warned.promote("churn:1", "test").status == "promoted"
    with pytest.raises(PromotionRefusedError) as info:
        warned.promote("churn:1", "prod", reason="ship it")
    check = acknowledgement_check(info.value.report)
    assert check.verdict == "fail"
    assert "2 of 2 warnings not acknowledged: 'class imbalance', 'target leakage'" in check.detail
    assert "--acknowledge 'class imbalance' --reason" in check.detail
    assert warned.alias_target("churn", "prod") is None


def test_acknowledged_warnings_let_it_into_prod_and_are_audited_and_shown(warned):
    warned.promote("churn:1", "test")
    result = warned.promote(
        "churn:1",
        "prod",
        reason="churners are rare by nature; tenure checked with the data owner",
        acknowledge=["class imbalance", "target leakage"],
    )
    assert result.status == "promoted"
    assert acknowledgement_check(result.report).verdict == "pass"
    me = warned.whoami().name
    assert f"'class imbalance' acknowledged by {me} (churners are rare" in (
        acknowledgement_check(result.report).detail
    )
    log = warned.log("churn")
    acks = [e for e in log if e.action == "acknowledge"]
    assert [(e.details["check"], e.environment, e.outcome) for e in acks] == [
        ("class imbalance", "prod", "ok"),
        ("target leakage", "prod", "ok"),
    ]
    assert all(e.reason.startswith("churners are rare") for e in acks)
    assert (log[-1].action, log[-1].outcome) == ("promote", "ok")
    assert warned.verify_audit().ok
    shown = warned.version("churn", "1").acknowledgements
    assert [(a.check, a.environment, a.actor) for a in shown] == [
        ("class imbalance", "prod", me),
        ("target leakage", "prod", me),
    ]


def test_an_acknowledgement_counts_for_its_environment_and_later_promotions(
    registry_factory, bundles
):
    reg = registry_factory(
        config={"policies": {"test": {"warnings_acknowledged": True}, "prod": {}}}
    )
    reg.register(bundles(version="1", validation=WARNED))
    reg.promote("churn:1", "test", reason="r", acknowledge=["class imbalance", "target leakage"])
    assert acknowledgement_check(reg.check("churn:1", "test")).verdict == "pass"
    strict = registry_factory(config={"policies": {"prod": {"warnings_acknowledged": True}}})
    assert acknowledgement_check(strict.check("churn:1", "prod")).verdict == "fail"


def test_only_warnings_can_be_acknowledged_and_only_with_a_reason(warned, bundles):
    with pytest.raises(RegistryError, match="--acknowledge needs --reason"):
        warned.promote("churn:1", "prod", acknowledge=["class imbalance"])
    with pytest.raises(RegistryError) as info:
        warned.promote("churn:1", "prod", reason="r", acknowledge=["class imbalanse"])
    assert "no check 'class imbalanse'" in str(info.value)
    assert "its warnings: 'class imbalance', 'target leakage'" in str(info.value)
    with pytest.raises(RegistryError, match="'score floor \\(test\\)' is pass, not a warning"):
        warned.promote("churn:1", "prod", reason="r", acknowledge=["score floor (test)"])
    failed = {
        **WARNED,
        "status": "fail",
        "checks": [{**LEAKAGE, "status": "fail"}, IMBALANCE],
    }
    warned.register(bundles(version="2", validation=failed))
    with pytest.raises(RegistryError, match="a failure cannot be acknowledged"):
        warned.promote("churn:2", "dev", reason="r", acknowledge=["target leakage"])
    log = warned.log("churn")
    assert not any(e.action == "acknowledge" for e in log)
    assert (log[-1].action, log[-1].outcome) == ("promote", "refused")
    assert "a failure cannot be acknowledged" in log[-1].details["error"]


def test_a_dry_run_with_acknowledge_judges_but_records_nothing(warned):
    warned.promote("churn:1", "test")
    report = warned.check("churn:1", "prod", acknowledge=["class imbalance", "target leakage"])
    assert report.allowed, report.text()
    assert not any(e.action == "acknowledge" for e in warned.log("churn"))
    assert not warned.check("churn:1", "prod").allowed


def test_acknowledgements_given_with_a_request_count_when_the_second_person_approves(
    registry_factory, bundles
):
    four_eyes = {"policies": {"prod": {"warnings_acknowledged": True, "four_eyes": True}}}
    admin = registry_factory(
        token=registry_factory().create_token("root", "admin"), config=four_eyes
    )
    alice = registry_factory(token=admin.create_token("alice", "approver"), config=four_eyes)
    bob = registry_factory(token=admin.create_token("bob", "approver"), config=four_eyes)
    alice.register(bundles(version="1", validation=WARNED))
    pending = alice.promote(
        "churn:1", "prod", reason="known", acknowledge=["class imbalance", "target leakage"]
    )
    assert pending.status == "awaiting approval"
    done = bob.approve("churn:1", "prod", reason="agreed")
    assert done.status == "promoted"
    assert "acknowledged by alice (known)" in acknowledgement_check(done.report).detail


def test_cli_promote_acknowledge_and_show(db_url, tmp_path, monkeypatch, capsys, bundles):
    monkeypatch.setenv("KNOTWORK_REGISTRY_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.chdir(tmp_path)
    reg = ["--registry", db_url]
    assert (
        main(["registry", "register", str(bundles(validation=WARNED)), "--env", "dev", *reg]) == 0
    )
    assert main(["registry", "promote", "churn:1", "--to", "test", *reg]) == 0
    capsys.readouterr()
    assert main(["registry", "promote", "churn:1", "--to", "prod", *reg]) == 1
    out = capsys.readouterr().out
    assert "validation warnings acknowledged" in out and "FAIL" in out
    argv = ["registry", "promote", "churn:1", "--to", "prod", "--acknowledge", "class imbalance"]
    argv += ["--acknowledge", "target leakage", "--reason", "reviewed with the churn team"]
    assert main([*argv, *reg]) == 0
    assert "churn@prod → 1" in capsys.readouterr().out
    assert main(["registry", "show", "churn:1", *reg]) == 0
    shown = capsys.readouterr().out
    assert "warn  class imbalance:" in shown
    assert "acknowledged for prod by" in shown and "reviewed with the churn team" in shown
    assert main(["registry", "show", "churn:1", "--json", *reg]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [a["check"] for a in data["acknowledgements"]] == ["class imbalance", "target leakage"]
    assert main(["registry", "promote", "churn:1", "--to", "prod", "--acknowledge", "x", *reg]) == 2
    assert "--acknowledge needs --reason" in capsys.readouterr().err
