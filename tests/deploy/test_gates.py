"""Deploy gates (issue 20, items 3 and 4), on the real penguins data: a failing Validation
Report, a learner's fit inside the scope and the training table frozen into the bundle are
refused unless the user says so, and what was let through is recorded in the manifest and
the registry's audit log."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from studio.deploy import build_bundle
from studio.deploy.gates import DeployOverrides, GateError, parse_size
from studio.registry import open_registry

from .conftest import scoring_workflow


def leaky_workflow(csv):
    """The reported mistake: test rows concatenated onto the training table, the learner fed
    from it, the Validation Report's `train` port wired to the clean training table."""
    wf = scoring_workflow(csv)
    wf.add_node("manipulation.concatenate", "Train + test", id="concat")
    wf.add_node("validation.validation_report", "Validation Report", id="report")
    wf.disconnect("learner", "training data")
    wf.connect("split", "train", "concat", "first")
    wf.connect("split", "test", "concat", "second")
    wf.connect("concat", "table", "learner", "training data")
    wf.connect("learner", "model", "report", "model")
    wf.connect("split", "train", "report", "train")
    wf.connect("split", "test", "report", "test")
    return wf


def fit_in_scope_workflow(csv):
    """The training table joins the request rows inside the scope and the learner fits there:
    the bundle would freeze the whole training table, target included."""
    wf = scoring_workflow(csv)
    wf.add_node("manipulation.concatenate", "Train + request", id="concat")
    wf.disconnect("learner", "training data")
    wf.disconnect("predict", "table")
    wf.connect("split", "train", "concat", "first")
    wf.connect("din", "table", "concat", "second")
    wf.connect("concat", "table", "learner", "training data")
    wf.connect("din", "table", "predict", "table")
    return wf


def test_a_failing_validation_report_refuses_the_build_and_names_the_check(tmp_path, penguins_csv):
    target = tmp_path / "bundle"
    with pytest.raises(GateError) as err:
        build_bundle(leaky_workflow(penguins_csv), target)
    text = str(err.value)
    assert "Validation Report fails" in text and "held-out rows (test)" in text
    assert "--allow-failed-validation" in text
    assert not target.exists() and list(tmp_path.glob(".bundle*")) == []


def test_allowing_a_failed_validation_is_recorded_in_the_manifest_and_the_audit_log(
    tmp_path, penguins_csv
):
    target = tmp_path / "bundle"
    result = build_bundle(
        leaky_workflow(penguins_csv),
        target,
        overrides=DeployOverrides(allow_failed_validation=True),
    )
    gate = result.manifest["deploy_overrides"]
    assert gate["validation_status"] == "fail" and gate["allowed"] == ["failed_validation"]
    assert any("--allow-failed-validation" in n for n in result.notes)
    reg = open_registry(f"sqlite:///{tmp_path / 'registry.db'}")
    try:
        reg.register(target, reason="deployed by hand")
        entry = next(e for e in reg.log() if e.action == "register")
    finally:
        reg.close()
    assert "failing Validation Report" in entry.reason
    assert entry.details["deploy_overrides"]["allowed"] == ["failed_validation"]


def test_a_learner_fit_in_the_scope_is_refused_and_the_frozen_table_is_listed(
    tmp_path, penguins_csv
):
    with pytest.raises(GateError) as err:
        build_bundle(fit_in_scope_workflow(penguins_csv), tmp_path / "bundle")
    text = str(err.value)
    assert 'the scope contains the fit of "Learner"' in text
    assert "--allow-fit-in-scope" in text


def test_a_frozen_training_table_above_the_limit_is_refused_with_its_size(tmp_path, penguins_csv):
    wf = fit_in_scope_workflow(penguins_csv)
    small = DeployOverrides(allow_fit_in_scope=True, max_frozen_table=1_000)
    with pytest.raises(GateError) as err:
        build_bundle(wf, tmp_path / "bundle", overrides=small)
    text = str(err.value)
    assert '"Train + request".first ← output "train" of "Split"' in text
    assert "199 rows × 8 columns" in text and "--max-frozen-table" in text
    result = build_bundle(
        wf, tmp_path / "bundle", overrides=DeployOverrides(allow_fit_in_scope=True)
    )
    (table,) = result.manifest["frozen_tables"]
    assert table["rows"] == 199 and table["columns"] == 8 and 0 < table["bytes"] < 1_000_000
    assert result.manifest["deploy_overrides"]["allowed"] == ["fit_in_scope"]


def test_a_clean_workflow_passes_every_gate_and_records_no_override(tmp_path, penguins_csv):
    result = build_bundle(scoring_workflow(penguins_csv), tmp_path / "bundle")
    assert result.manifest["frozen_tables"] == []
    assert result.manifest["deploy_overrides"]["allowed"] == []


def test_sizes_parse_with_units_and_bad_ones_are_named():
    assert parse_size("2MB") == 2_000_000 and parse_size("1.5 kB") == 1500
    assert parse_size("1MiB") == 1024**2 and parse_size("123") == 123
    with pytest.raises(ValueError, match="'lots' is not a size"):
        parse_size("lots")


def test_the_cli_prints_the_verdict_refuses_and_accepts_the_override(tmp_path, penguins_csv):
    path = tmp_path / "leaky.knotwork.json"
    leaky_workflow(penguins_csv).save(path)
    cmd = [sys.executable, "-m", "studio", "deploy", str(path), "-o", str(tmp_path / "b"), "-q"]
    refused = subprocess.run(cmd, capture_output=True, text=True)
    assert refused.returncode == 1, refused.stderr
    assert "Validation Report fails" in refused.stderr and "Traceback" not in refused.stderr
    allowed = subprocess.run([*cmd, "--allow-failed-validation"], capture_output=True, text=True)
    assert allowed.returncode == 0, allowed.stderr
    assert "validation report: FAIL, built anyway (--allow-failed-validation)" in allowed.stdout
    assert "frozen tables: none" in allowed.stdout
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert manifest["deploy_overrides"]["allowed"] == ["failed_validation"]
    bad = subprocess.run([*cmd, "--max-frozen-table", "lots"], capture_output=True, text=True)
    assert bad.returncode == 2 and "--max-frozen-table" in bad.stderr
