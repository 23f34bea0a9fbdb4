"""Governed promotion dev → test → prod: policy report, four eyes, roles, rollback, aliases."""

from __future__ import annotations

import pytest

from studio.registry import PermissionDeniedError, PromotionRefusedError, RegistryError

STRICT_PROD = {
    "environments": ["dev", "test", "prod"],
    "policies": {
        "prod": {
            "validation_no_failure": True,
            "max_overfitting_gap": 0.05,
            "metric_floor": {"accuracy": 0.9},
            "parity_passed": True,
            "signature_valid": True,
            "previous_environment": True,
            "four_eyes": True,
            "protected": True,
        },
    },
}


def _through(reg, ref, *envs):
    for env in envs:
        reg.promote(ref, env)


def test_version_moves_through_environments_and_aliases_follow(registry, bundles):
    registry.register(bundles(version="1"))
    _through(registry, "churn:1", "dev", "test", "prod")
    assert registry.model("churn").environments == {"dev": "1", "test": "1", "prod": "1"}
    assert registry.alias_target("churn", "prod").version == "1"


def test_refused_promotion_reports_every_check_with_number_and_verdict(registry_factory, bundles):
    reg = registry_factory(config=STRICT_PROD)
    bad = {
        "status": "fail",
        "metric": "accuracy",
        "scores": {"train": 0.99, "test": 0.7},
        "checks": [
            {
                "name": "overfitting (test)",
                "status": "fail",
                "value": 0.29,
                "threshold": 0.1,
                "message": "gap",
            }
        ],
    }
    reg.register(
        bundles(
            version="1",
            validation=bad,
            parity=False,
            sign=False,
            metrics={"train": {"accuracy": 0.99}, "test": {"accuracy": 0.7}},
        )
    )
    with pytest.raises(PromotionRefusedError) as info:
        reg.promote("churn:1", "prod", reason="ship it")
    report = info.value.report
    assert [c.number for c in report.checks] == list(range(1, 11))
    verdicts = {c.name: c.verdict for c in report.checks}
    assert verdicts == {
        "permission": "pass",
        "validation report has no failure": "fail",
        "validation warnings acknowledged": "not required",
        "overfitting gap": "fail",
        "metric thresholds": "fail",
        "parity passed": "fail",
        "signature valid": "fail",
        "passed through previous environment": "fail",
        "four-eyes approval": "pending",
        "dependency audit": "not required",
    }
    text = str(info.value)
    assert "refused" in text and "  4. overfitting gap" in text and "0.29" in text
    assert reg.alias_target("churn", "prod") is None
    entry = reg.log("churn")[-1]
    assert (entry.action, entry.outcome, entry.reason) == ("promote", "refused", "ship it")
    assert len(entry.details["checks"]) == 10


def test_gap_and_floor_thresholds_pass_for_a_good_model(registry_factory, bundles):
    reg = registry_factory(
        config={
            "policies": {"test": {"max_overfitting_gap": 0.05, "metric_floor": {"accuracy": 0.9}}}
        }
    )
    reg.register(bundles(version="1"))  # train 0.95, test 0.93: gap 0.02 from the Validation Report
    report = reg.check("churn:1", "test")
    assert report.allowed, report.text()
    assert "0.02" in next(c.detail for c in report.checks if c.name == "overfitting gap")


def test_four_eyes_needs_a_second_person_and_approval_completes_the_request(
    registry_factory, bundles
):
    admin = registry_factory(
        token=registry_factory().create_token("root", "admin"), config=STRICT_PROD
    )
    alice_token = admin.create_token("alice", "approver")
    bob_token = admin.create_token("bob", "approver")
    alice = registry_factory(token=alice_token, config=STRICT_PROD)
    bob = registry_factory(token=bob_token, config=STRICT_PROD)
    alice.register(bundles(version="1"))
    _through(alice, "churn:1", "dev", "test")

    pending = alice.promote("churn:1", "prod", reason="quarterly refresh")
    assert pending.status == "awaiting approval"
    assert alice.alias_target("churn", "prod") is None
    with pytest.raises(PermissionDeniedError, match="second person"):
        alice.approve("churn:1", "prod")

    done = bob.approve("churn:1", "prod", reason="reviewed metrics")
    assert done.status == "promoted" and done.requested_by == "alice"
    assert bob.alias_target("churn", "prod").version == "1"
    log = [(e.actor, e.action, e.outcome) for e in bob.log("churn")]
    assert ("alice", "promote", "pending") in log and ("alice", "approve", "refused") in log
    assert log[-2:] == [("bob", "approve", "ok"), ("bob", "promote", "ok")]


def test_only_approver_or_admin_may_move_prod_on_a_shared_registry(registry_factory, bundles):
    with pytest.raises(PermissionDeniedError, match="first token"):
        registry_factory().create_token("eve", "editor")
    admin = registry_factory(token=registry_factory().create_token("root", "admin"))
    editor = registry_factory(token=admin.create_token("eve", "editor"))
    viewer = registry_factory(token=admin.create_token("vic", "viewer"))
    editor.register(bundles(version="1"))
    _through(editor, "churn:1", "dev", "test")
    with pytest.raises(PromotionRefusedError) as info:
        editor.promote("churn:1", "prod")
    assert (
        info.value.report.checks[0].verdict == "fail"
        and "needs approver" in info.value.report.checks[0].detail
    )
    with pytest.raises(PermissionDeniedError):
        viewer.register(bundles(version="2"))
    assert viewer.models()[0].name == "churn"  # viewers read
    with pytest.raises(PermissionDeniedError, match="token"):
        registry_factory().models()  # shared now: no token, no access
    with pytest.raises(PermissionDeniedError, match="unknown or revoked"):
        registry_factory(token="kwr_not-a-token").models()


def test_rollback_returns_prod_to_its_previous_version_in_one_step(registry, bundles):
    for v in ("1", "2", "3"):
        registry.register(bundles(version=v, C=float(v)))
        _through(registry, f"churn:{v}", "dev", "test", "prod")
    result = registry.rollback("churn", "prod", reason="latency regression")
    assert (result.previous, result.version) == ("3", "2")
    assert registry.alias_target("churn", "prod").version == "2"
    assert registry.rollback("churn", "prod").version == "1"
    with pytest.raises(RegistryError, match="no earlier version"):
        registry.rollback("churn", "prod")
    entries = [e for e in registry.log("churn") if e.action == "rollback"]
    assert [(e.outcome, e.version) for e in entries] == [
        ("ok", "2"),
        ("ok", "1"),
        ("refused", ""),
    ]
    assert entries[0].reason == "latency regression"
    kinds = [m.kind for m in registry.alias_history("churn", "prod")]
    assert kinds == ["promote", "promote", "promote", "rollback", "rollback"]


def test_rollback_must_pass_the_environments_gates_and_a_refusal_is_audited(
    registry_factory, bundles
):
    lax = registry_factory()
    weak = {"train": {"accuracy": 0.75}, "test": {"accuracy": 0.7}}
    lax.register(bundles(version="1", metrics=weak))
    lax.register(bundles(version="2", C=2.0))
    _through(lax, "churn:1", "dev")
    _through(lax, "churn:2", "dev")
    strict = registry_factory(config={"policies": {"dev": {"metric_floor": {"accuracy": 0.9}}}})
    with pytest.raises(PromotionRefusedError) as info:
        strict.rollback("churn", "dev", reason="hotfix")
    report = info.value.report
    assert [c.number for c in report.checks] == list(range(1, 11))
    assert {c.name: c.verdict for c in report.checks}["metric thresholds"] == "fail"
    assert str(info.value).startswith("rollback of churn:1 to dev refused")
    assert strict.alias_target("churn", "dev").version == "2"
    entry = strict.log("churn")[-1]
    assert (entry.action, entry.outcome, entry.version) == ("rollback", "refused", "1")
    assert entry.reason == "hotfix" and len(entry.details["checks"]) == 10
    assert lax.rollback("churn", "dev").version == "1"  # the lax policy lets it through
    assert lax.log("churn")[-1].details["checks"][0]["verdict"] == "pass"


def test_promotion_must_pass_through_previous_environment(registry, bundles):
    registry.register(bundles(version="1"))
    with pytest.raises(PromotionRefusedError, match="never in dev"):
        registry.promote("churn:1", "test")


def test_free_aliases_point_at_versions_but_environments_need_promote(registry, bundles):
    registry.register(bundles(version="1"))
    registry.register(bundles(version="2", C=2.0))
    registry.set_alias("churn:1", "champion")
    registry.set_alias("churn:2", "challenger")
    assert registry.model("churn").aliases == {"challenger": "2", "champion": "1"}
    assert registry.version("churn", "champion").version == "1"
    with pytest.raises(RegistryError, match="is an environment"):
        registry.set_alias("churn:2", "prod")


def test_environment_list_comes_from_the_workspace_config_file(tmp_path, bundles):
    import json

    from studio.registry import Registry

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "knotwork-registry.json").write_text(
        json.dumps(
            {"environments": ["staging", "live"], "policies": {"live": {"parity_passed": True}}}
        )
    )
    with Registry(workspace=ws) as reg:
        reg.register(bundles(version="1", parity=False))
        reg.promote("churn:1", "staging")
        with pytest.raises(PromotionRefusedError, match="parity"):
            reg.promote("churn:1", "live")
        with pytest.raises(RegistryError, match="not an environment"):
            reg.promote("churn:1", "prod")


def test_an_approval_given_in_advance_counts_only_for_someone_else(registry_factory, bundles):
    admin = registry_factory(
        token=registry_factory().create_token("root", "admin"), config=STRICT_PROD
    )
    alice = registry_factory(token=admin.create_token("alice", "approver"), config=STRICT_PROD)
    bob = registry_factory(token=admin.create_token("bob", "approver"), config=STRICT_PROD)
    alice.register(bundles(version="1"))
    _through(alice, "churn:1", "dev", "test")
    assert alice.approve("churn:1", "prod", reason="pre-approved").status == "approved"
    assert (
        alice.promote("churn:1", "prod").status == "awaiting approval"
    )  # her own approval does not count
    assert (
        bob.promote("churn:1", "prod").status == "promoted"
    )  # alice's approval is bob's second pair of eyes
    assert bob.alias_target("churn", "prod").version == "1"


def test_gap_and_floor_are_read_from_per_node_metrics_of_real_bundles(registry_factory, bundles):
    """Bundles from `knotwork deploy` nest metrics by node label and may lack a report."""
    reg = registry_factory(
        config={
            "policies": {"test": {"max_overfitting_gap": 0.05, "metric_floor": {"accuracy": 0.95}}}
        }
    )
    nested = {
        "training": {"Learner": {"accuracy": 0.99}},
        "scores": {"Score test": {"accuracy": 0.90}},
    }
    reg.register(bundles(version="1", validation=None, metrics=nested))
    checks = {c.name: c for c in reg.check("churn:1", "test").checks}
    assert (
        checks["overfitting gap"].verdict == "fail" and "0.09" in checks["overfitting gap"].detail
    )
    assert checks["metric thresholds"].verdict == "fail"
    assert "scores.Score test.accuracy 0.9 ≥ 0.95: no" in checks["metric thresholds"].detail
