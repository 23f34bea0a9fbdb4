"""`knotwork registry ...` end to end through `main()`: --json output and exit codes."""

from __future__ import annotations

import json

import pytest

from studio.cli.main import main


@pytest.fixture
def cli(db_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KNOTWORK_REGISTRY_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.chdir(tmp_path)

    def run(*argv: str, token: str | None = None) -> tuple[int, object, str]:
        extra = ["--registry", db_url, "--json"] + (["--token", token] if token else [])
        code = main(["registry", *argv, *extra])
        out, err = capsys.readouterr()
        return code, json.loads(out) if out.strip() else None, err

    return run


def test_register_promote_show_list_and_log_as_json(cli, bundles):
    code, info, _ = cli("register", str(bundles(version="1")), "--env", "dev", "--tag", "baseline")
    assert code == 0 and info["version"] == "1" and info["promotion"]["status"] == "promoted"
    code, out, _ = cli("promote", "churn:1", "--to", "test", "--reason", "qa")
    assert code == 0 and out["status"] == "promoted" and out["environment"] == "test"
    code, models, _ = cli("list")
    assert code == 0 and models["models"][0]["aliases"] == {"dev": "1", "test": "1"}
    assert not models["registry"].startswith("Registry(")  # a URL, not a Python repr
    code, version, _ = cli("show", "churn:1")
    assert version["tags"] == ["baseline"] and version["validation"]["status"] == "pass"
    code, model, _ = cli("show", "churn")
    assert model["environments"] == {"dev": "1", "test": "1", "prod": None}
    code, log, _ = cli("log", "churn")
    assert [(e["action"], e["environment"]) for e in log] == [
        ("register", ""),
        ("promote", "dev"),
        ("promote", "test"),
    ]


def test_refused_promotion_exits_1_with_the_numbered_report(cli, bundles):
    cli("register", str(bundles(version="1", parity=False)), "--env", "dev")
    code, out, _ = cli("promote", "churn:1", "--to", "test")
    assert code == 1 and out["error"] == "promotion refused" and out["allowed"] is False
    assert [c["number"] for c in out["checks"]] == list(range(1, 11))
    assert {c["name"]: c["verdict"] for c in out["checks"]}["parity passed"] == "fail"


def test_rollback_diff_and_alias_as_json(cli, bundles):
    cli("register", str(bundles(version="1")), "--env", "dev")
    cli("register", str(bundles(version="2", C=3.0)), "--env", "dev")
    code, out, _ = cli("rollback", "churn", "--env", "dev", "--reason", "oops")
    assert code == 0 and (out["previous"], out["version"]) == ("2", "1")
    code, d, _ = cli("diff", "churn:1", "churn:2")
    assert code == 0 and d["graph"]["changed_settings"][0]["after"] == 3.0
    code, out, _ = cli("alias", "churn:2", "challenger")
    assert code == 0 and out["environment"] == "challenger"
    code, out, _ = cli("resolve", "registry://churn@challenger")
    assert code == 0 and out["path"].endswith(cli("show", "churn:2")[1]["sha256"])


def test_refused_rollback_exits_1_with_the_numbered_report_like_a_promotion(cli, bundles, tmp_path):
    weak = {"train": {"accuracy": 0.75}, "test": {"accuracy": 0.7}}
    cli("register", str(bundles(version="1", metrics=weak)), "--env", "dev")
    cli("register", str(bundles(version="2", C=3.0)), "--env", "dev")
    policy = {"policies": {"dev": {"metric_floor": {"accuracy": 0.9}}}}
    (tmp_path / "strict.json").write_text(json.dumps(policy))
    code, out, _ = cli(
        "rollback", "churn", "--env", "dev", "--policy", str(tmp_path / "strict.json")
    )
    assert code == 1 and out["error"] == "rollback refused" and out["allowed"] is False
    assert (out["version"], out["environment"]) == ("1", "dev")
    assert [c["number"] for c in out["checks"]] == list(range(1, 11))
    assert {c["name"]: c["verdict"] for c in out["checks"]}["metric thresholds"] == "fail"
    code, log, _ = cli("log", "churn")
    assert (log[-1]["action"], log[-1]["outcome"]) == ("rollback", "refused")


def test_unknown_model_and_bad_reference_exit_2(cli):
    code, out, _ = cli("show", "nope")
    assert code == 2 and "no model 'nope'" in out["error"]
    code, out, _ = cli("promote", "churn:", "--to", "dev")
    assert code == 2 and "MODEL:VERSION" in out["error"]


def test_tokens_make_the_registry_shared_and_roles_apply(cli, bundles):
    code, admin, _ = cli("token", "create", "root", "--role", "admin")
    assert code == 0 and admin["token"].startswith("kwr_")
    code, viewer, _ = cli("token", "create", "vic", "--role", "viewer", token=admin["token"])
    code, out, _ = cli("register", str(bundles(version="1")), token=viewer["token"])
    assert code == 1 and "needs editor" in out["error"]
    code, out, _ = cli("list")
    assert code == 1 and "shared" in out["error"]
    code, tokens, _ = cli("token", "list", token=admin["token"])
    assert [(t["name"], t["role"]) for t in tokens] == [("root", "admin"), ("vic", "viewer")]
    assert all("token" not in t for t in tokens)  # never shown again


def test_human_output_of_a_refused_promotion_lists_each_check(
    db_url, tmp_path, bundles, monkeypatch, capsys
):
    monkeypatch.setenv("KNOTWORK_REGISTRY_ARTIFACTS", str(tmp_path / "artifacts"))
    assert main(["registry", "register", str(bundles(version="1")), "--registry", db_url]) == 0
    assert main(["registry", "promote", "churn:1", "--to", "prod", "--registry", db_url]) == 1
    out = capsys.readouterr().out
    assert "promotion of churn:1 to prod refused" in out
    assert "  8. passed through previous environment  FAIL" in out


def test_log_verify_reports_an_intact_chain(cli, bundles):
    cli("register", str(bundles(version="1")), "--env", "dev")
    code, out, _ = cli("log", "--verify")
    assert code == 0 and out["ok"] and out["checked"] == 2


def test_approve_takes_to_like_promote(cli, bundles):
    cli("register", str(bundles(version="1")), "--env", "dev")
    code, out, err = cli("approve", "churn:1", "--to", "prod", "--reason", "reviewed")
    assert code != 2, err  # understood, not a usage error
    code, log, _ = cli("log", "churn")
    assert any(e["action"] == "approve" and e["environment"] == "prod" for e in log)


def test_json_carries_optional_keys_only_when_they_apply(cli, bundles):
    b = str(bundles(version="1"))
    code, first, _ = cli("register", b)
    assert code == 0 and "already_registered" not in first and "promotion" not in first
    code, again, _ = cli("register", b, "--env", "dev")
    assert again["already_registered"] is True and again["promotion"]["status"] == "promoted"
    assert "requested_by" not in again["promotion"]
    code, verdict, _ = cli("log", "--verify")
    assert verdict == {"ok": True, "checked": 2, "unchained": 0, "first_bad": None, "problem": None}
