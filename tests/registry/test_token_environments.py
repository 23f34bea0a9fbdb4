"""Tokens limited to environments: a dev/test token cannot promote to, approve for or roll
back prod, whatever its role; the limit is shown, audited and checked at creation."""

from __future__ import annotations

import json

import pytest

from studio.cli.main import main
from studio.registry import PromotionRefusedError, RegistryError
from studio.registry.errors import PermissionDeniedError


def _shared(registry_factory):
    admin_token = registry_factory().create_token("root", "admin")
    return registry_factory(token=admin_token)


def test_a_token_limited_to_dev_and_test_cannot_move_prod(registry_factory, bundles):
    admin = _shared(registry_factory)
    ci = registry_factory(token=admin.create_token("ci", "approver", ["dev", "test"]))
    ci.register(bundles(version="1"))
    for env in ("dev", "test"):
        assert ci.promote("churn:1", env).status == "promoted"
    with pytest.raises(PromotionRefusedError) as info:
        ci.promote("churn:1", "prod")
    permission = info.value.report.checks[0]
    assert permission.verdict == "fail"
    assert permission.detail == "ci's token is limited to dev, test, not prod"
    with pytest.raises(PermissionDeniedError, match="limited to dev, test, not prod"):
        ci.approve("churn:1", "prod")
    assert admin.alias_target("churn", "prod") is None
    assert admin.log("churn")[-1].outcome == "refused"


def test_a_limited_token_cannot_roll_back_prod(registry_factory, bundles):
    admin = _shared(registry_factory)
    for version, C in (("1", 1.0), ("2", 2.0)):
        admin.register(bundles(version=version, C=C))
        for env in ("dev", "test", "prod"):
            admin.promote(f"churn:{version}", env)
    ci = registry_factory(token=admin.create_token("ci", "approver", ["dev"]))
    with pytest.raises(PromotionRefusedError, match="limited to dev, not prod"):
        ci.rollback("churn", "prod")
    assert admin.alias_target("churn", "prod").version == "2"


def test_limits_name_known_environments_and_never_an_admin(registry_factory):
    admin = _shared(registry_factory)
    with pytest.raises(RegistryError, match="environment\\(s\\) staging unknown"):
        admin.create_token("ci", "editor", ["dev", "staging"])
    with pytest.raises(RegistryError, match="admin token cannot be limited"):
        admin.create_token("boss", "admin", ["dev"])


def test_token_list_shows_each_tokens_environments(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KNOTWORK_REGISTRY_ARTIFACTS", str(tmp_path / "artifacts"))

    def cli(*argv: str) -> dict:
        assert main(["registry", *argv, "--registry", db_url, "--json"]) == 0
        return json.loads(capsys.readouterr().out)

    root = cli("token", "create", "root", "--role", "admin")["token"]
    made = cli("token", "create", "ci", "--role", "editor", "--env", "dev", "--token", root)
    assert made["environments"] == ["dev"]
    listed = cli("token", "list", "--token", root)
    assert [(t["name"], t["environments"]) for t in listed] == [("root", None), ("ci", ["dev"])]
