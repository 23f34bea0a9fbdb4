"""`knotwork export --python`: the script reproduces the workflow. Round trips on the
penguins and diabetes templates run the real script in a child process and compare its
predictions and metrics with the workflow's own run; nodes without an export are named."""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from studio.cli.main import main
from studio.export import ExportError, export_python
from tests.conftest import TEMPLATES
from tests.deploy.test_templates import _narrowed

STANDALONE = {"__future__", "argparse", "json", "pathlib", "numpy", "pandas", "sklearn"}


def _template(tmp_path, name):
    folder = shutil.copytree(TEMPLATES / name, tmp_path / name)
    return _narrowed(folder / f"{name}.knotwork.json")


def _run_script(script, tmp_path):
    predictions, metrics = tmp_path / "predictions.csv", tmp_path / "metrics.json"
    cmd = [sys.executable, "-I", str(script), "--predictions", str(predictions)]
    done = subprocess.run(
        [*cmd, "--metrics", str(metrics)], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    return pd.read_csv(predictions), json.loads(metrics.read_text()), done.stdout


def _metrics(wf, label):
    for port in wf.node_type(label).outputs:
        value = wf.output(label, port.name)
        if hasattr(value, "values") and isinstance(value.values, dict):
            return {**value.values.get("best_params", {}), **value.values}
    raise AssertionError(f"{label} has no metrics")


@pytest.mark.parametrize(
    ("name", "scorer", "expected"),
    [
        ("penguins", "Score test", "accuracy"),
        ("diabetes", "Score test", "rmse"),
        ("drift", "Score test", "rmse"),  # Row Filters on workflow parameters
    ],
)
def test_the_script_reproduces_the_templates_predictions_and_metrics(
    tmp_path, name, scorer, expected
):
    wf = _template(tmp_path, name)
    script = tmp_path / name / "train.py"
    result = export_python(wf, script)
    assert result.has_pipeline and "Validation Report (Validation Report)" in result.skipped
    text = script.read_text()
    imported = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= STANDALONE, imported - STANDALONE
    assert "pipeline = Pipeline(" in text and "HERE / " in text  # the data beside the script

    got, metrics, printed = _run_script(script, tmp_path)
    out = next(n for n in wf.nodes if n.type_id == "deployment.output")
    want = wf.output(out.id).df.reset_index(drop=True)
    assert list(got.columns) == [str(c) for c in want.columns]
    assert got["prediction"].astype(str).tolist() == want["prediction"].astype(str).tolist()
    numbers = want.select_dtypes("number").columns
    np.testing.assert_allclose(
        got[numbers].to_numpy(), want[numbers].to_numpy(), rtol=0, atol=1e-12
    )
    assert expected in metrics[scorer] and f"{expected}" in printed
    for label, values in metrics.items():
        have = _metrics(wf, label)
        for key, value in values.items():
            assert value == pytest.approx(have[key], rel=1e-12, abs=1e-12, nan_ok=True), (
                label,
                key,
            )


def test_a_parameter_override_becomes_the_scripts_constant(tmp_path):
    wf = _template(tmp_path, "penguins")
    script = tmp_path / "elsewhere" / "seeded.py"
    export_python(wf, script, parameters={"seed": 7})
    text = script.read_text()
    assert "SEED = 7" in text and "seed=SEED" in text
    assert f"Path({str(tmp_path / 'penguins' / 'penguins.csv')!r})" in text  # not beside it


def test_export_check_passes_and_a_changed_script_is_caught(tmp_path, capsys):
    wf = _template(tmp_path, "diabetes")
    wf.save()
    script = tmp_path / "diabetes" / "train.py"
    args = ["export", str(wf.path), "--python", str(script), "--check"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "the deployment scope as one Pipeline" in out
    assert "not exported (a check, monitor or chart): Watch drift (Drift Monitor)" in out
    assert "check: the script's predictions and metrics equal the workflow's" in out

    from studio.export.check import check_script

    script.write_text(script.read_text().replace("SEED = 42", "SEED = 43"))
    scope = next(n.id for n in wf.nodes if n.type_id == "deployment.output")
    wf.run()
    problems = check_script(wf, script, scope)
    assert any("column 'prediction' differs" in p for p in problems), problems
    assert any(p.startswith("Score test: rmse is") for p in problems), problems


def test_a_node_without_an_export_is_named_and_nothing_is_written(tmp_path, capsys):
    folder = shutil.copytree(TEMPLATES / "credentials", tmp_path / "credentials")
    script = tmp_path / "credentials.py"
    workflow = folder / "credentials.knotwork.json"
    assert main(["export", str(workflow), "--python", str(script)]) == 2
    err = capsys.readouterr().err
    assert "Flowers: SQL Reader (io.sql_reader) has no pandas + scikit-learn export" in err
    assert not script.exists()


def test_a_setting_without_an_exact_equivalent_is_refused_by_name(tmp_path):
    wf = _template(tmp_path, "penguins")
    wf.set_setting("Impute", "text", "keep")  # 'sex' keeps its gaps into the encoder
    with pytest.raises(ExportError) as err:
        export_python(wf, tmp_path / "gaps.py")
    assert err.value.node == "Encode" and err.value.where == "columns"
    assert "'sex'" in err.value.message and "Missing Value" in err.value.message
    assert not (tmp_path / "gaps.py").exists()


def test_a_component_is_exported_as_the_nodes_it_holds(tmp_path):
    from studio.core.component_edit import collapse

    wf = _template(tmp_path, "penguins")
    inside = [wf.node(label).id for label in ("Impute", "Encode", "Scale")]
    collapse(wf, inside, "Preprocessing")
    script = tmp_path / "penguins" / "component.py"
    result = export_python(wf, script)
    assert {"Impute", "Encode", "Scale"} <= set(result.exported)
    got, metrics, _ = _run_script(script, tmp_path)
    out = next(n for n in wf.nodes if n.type_id == "deployment.output")
    want = wf.output(out.id).df.reset_index(drop=True)
    assert got["prediction"].tolist() == want["prediction"].tolist()
    assert metrics["Score test"]["accuracy"] == pytest.approx(
        _metrics(wf, "Score test")["accuracy"], abs=1e-12
    )


def test_a_deployment_output_of_every_column_matches_the_scopes_rows(tmp_path):
    wf = _template(tmp_path, "penguins")
    out = next(n for n in wf.nodes if n.type_id == "deployment.output")
    wf.set_setting(out.id, "columns", [])  # the Predictor's whole table: preprocessed rows
    script = tmp_path / "penguins" / "all_columns.py"
    export_python(wf, script)
    got, _, _ = _run_script(script, tmp_path)
    want = wf.output(out.id).df.reset_index(drop=True)
    assert list(got.columns) == [str(c) for c in want.columns]
    numbers = want.select_dtypes("number").columns
    np.testing.assert_allclose(got[numbers].to_numpy(), want[numbers].to_numpy(), atol=1e-12)
    assert got["prediction"].tolist() == want["prediction"].tolist()
