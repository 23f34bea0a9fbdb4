"""`knotwork deploy`, `knotwork bundle inspect|verify` and `knotwork keys generate`,
run in-process on real files."""

from __future__ import annotations

import json

from studio.cli.main import main

from .conftest import scoring_workflow


def _saved_workflow(penguins_csv, tmp_path):
    wf = scoring_workflow(penguins_csv, output_columns=["prediction"])
    wf.add_parameter("train_share", "number", 0.6)
    wf.set_setting("split", "train_fraction", "$train_share")
    return wf.save(tmp_path / "scoring.knotwork.json")


def test_deploy_writes_a_bundle_that_verify_and_inspect_accept(
    penguins_csv, tmp_path, capsys, knotwork_home
):
    path = _saved_workflow(penguins_csv, tmp_path)
    out = tmp_path / "bundles" / "scoring.zip"
    assert (
        main(
            [
                "deploy",
                str(path),
                "--output",
                str(out),
                "--set",
                "train_share=0.5",
                "--name",
                "scorer",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "bundle scorer version 1 written" in captured.out and "parity: passed" in captured.out
    assert "created a signing key" in captured.err  # first use says so
    assert (knotwork_home / "keys" / "default.key").exists()

    assert main(["bundle", "verify", str(out)]) == 0
    assert "OK: scorer version 1" in capsys.readouterr().out
    assert main(["bundle", "inspect", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["verification"]["verified"] is True
    assert data["manifest"]["parameters"] == {"train_share": 0.5}
    assert (
        data["manifest"]["source"]["path"] == str(path)
        and data["manifest"]["source"]["unsaved_changes"] is False
    )
    assert main(["bundle", "inspect", str(out)]) == 0
    assert "parity:       passed" in capsys.readouterr().out


def test_bundle_verify_exits_1_naming_the_first_altered_file(penguins_csv, tmp_path, capsys):
    path = _saved_workflow(penguins_csv, tmp_path)
    out = tmp_path / "bundle"
    assert main(["deploy", str(path), "--output", str(out), "-q"]) == 0
    (out / "openapi.json").write_text("{}")
    capsys.readouterr()
    assert main(["bundle", "verify", str(out)]) == 1
    assert "openapi.json was altered" in capsys.readouterr().err
    assert main(["bundle", "verify", str(tmp_path / "nowhere")]) == 2


def test_keys_generate_writes_a_pair_and_deploy_signs_with_a_given_key(
    penguins_csv, tmp_path, capsys
):
    assert (
        main(
            ["keys", "generate", "--out", str(tmp_path / "team"), "--name", "release", "--no-trust"]
        )
        == 0
    )
    assert "key id:" in capsys.readouterr().out
    key, pub = tmp_path / "team" / "release.key", tmp_path / "team" / "release.pub"
    assert key.stat().st_mode & 0o077 == 0  # private key readable by its owner only
    assert (
        main(["keys", "generate", "--out", str(tmp_path / "team"), "--name", "release"]) == 2
    )  # never overwrites

    path = _saved_workflow(penguins_csv, tmp_path)
    out = tmp_path / "signed"
    assert main(["deploy", str(path), "--output", str(out), "--key", str(key), "-q"]) == 0
    capsys.readouterr()
    assert main(["bundle", "verify", str(out)]) == 1  # not trusted on this machine
    assert "not trusted" in capsys.readouterr().err
    assert main(["bundle", "verify", str(out), "--key", str(pub)]) == 0


def test_deploy_of_a_workflow_without_deployment_nodes_is_a_usage_error(
    penguins_csv, tmp_path, capsys
):
    wf = scoring_workflow(penguins_csv)
    wf.remove_node("dout")
    path = wf.save(tmp_path / "no-output.knotwork.json")
    assert main(["deploy", str(path), "--output", str(tmp_path / "b"), "-q"]) == 2
    assert "no Deployment Output node" in capsys.readouterr().err


def test_deploy_register_names_the_model_after_the_file_and_counts_registry_versions(
    penguins_csv, tmp_path, capsys, monkeypatch
):
    """README: `deploy penguins.knotwork.json --register` then `registry promote penguins:1`.
    A display name with spaces must not block registration, and a second deploy into a fresh
    folder must not reuse a version the registry already holds."""
    for var in ("KNOTWORK_REGISTRY_URL", "KNOTWORK_REGISTRY_TOKEN", "KNOTWORK_REGISTRY_POLICY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KNOTWORK_REGISTRY_ARTIFACTS", str(tmp_path / "artifacts"))
    db = f"sqlite:///{tmp_path / 'registry.db'}"
    wf = scoring_workflow(penguins_csv, output_columns=["prediction"])
    wf.name = "Penguin species (classification)"
    path = wf.save(tmp_path / "penguins.knotwork.json")
    for folder in ("first", "second"):
        out = tmp_path / folder / "penguins.zip"
        code = main(["deploy", str(path), "-o", str(out), "--register", "--registry", db, "-q"])
        assert code == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    assert "registered as penguins:1 and promoted to dev" in out
    assert "bundle penguins version 2 written" in out
    assert "registered as penguins:2 and promoted to dev" in out


def test_bundle_inspect_shows_the_validation_report_verdict_not_an_empty_line(tmp_path, capsys):
    from tests.registry.factory import PASSING_VALIDATION, write_bundle

    report = {**PASSING_VALIDATION, "checks": [*PASSING_VALIDATION["checks"], {"status": "warn"}]}
    path = write_bundle(tmp_path / "b", metrics={"scores": {"Validation Report.result": report}})
    assert main(["bundle", "inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Validation Report.result: status=pass (2 pass, 1 warn)" in out
