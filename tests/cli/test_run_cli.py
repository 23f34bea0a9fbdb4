from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from studio.cli.main import main
from tests.core.builders import clean_penguins, starter, zero_ratio


@pytest.fixture
def workflow_file(tmp_path):
    wf = starter(csv=clean_penguins(tmp_path))
    wf.add_parameter("seed", "integer", 42)
    wf.set_setting("Split", "seed", "$seed")
    return wf.save(tmp_path / "starter.knotwork.json")


def test_run_succeeds_prints_accuracy_and_writes_outputs_and_report(
    workflow_file, tmp_path, capsys
):
    out_csv, report = tmp_path / "pred.csv", tmp_path / "report.json"
    code = main(
        [
            "run",
            str(workflow_file),
            "--output",
            f"Predict={out_csv}",
            "--output",
            f"Score:metrics={tmp_path / 'm.json'}",
            "--report",
            str(report),
        ]
    )
    assert code == 0
    assert "Score: accuracy=" in capsys.readouterr().out
    assert "prediction" in pd.read_csv(out_csv).columns
    assert json.loads((tmp_path / "m.json").read_text())["accuracy"] > 0.9
    data = json.loads(report.read_text())
    assert data["status"] == "success"
    assert {n["label"] for n in data["nodes"]} == {
        "Penguins",
        "Numeric",
        "Split",
        "Learner",
        "Predict",
        "Score",
    }
    assert all(
        set(n) >= {"id", "label", "type", "state", "seconds", "error"} and n["state"] == "executed"
        for n in data["nodes"]
    )


def test_a_failing_node_exits_1_naming_the_node(workflow_file, tmp_path, capsys):
    data = json.loads(workflow_file.read_text())
    for n in data["nodes"]:
        if n["label"] == "Numeric":
            n["settings"]["columns"] = ["island", "year"]  # keeps 'sex': text reaches the learner
    workflow_file.write_text(json.dumps(data))
    report = tmp_path / "r.json"
    assert main(["run", str(workflow_file), "--report", str(report)]) == 1
    err = capsys.readouterr().err
    assert "node \"Learner\" failed: features: non-numeric feature column(s) 'sex'" in err
    assert json.loads(report.read_text())["status"] == "failed"


def test_set_overrides_a_parameter_and_bad_values_exit_2(workflow_file, capsys):
    assert main(["run", str(workflow_file), "--set", "seed=7"]) == 0
    assert main(["run", str(workflow_file), "--set", "seed=seven"]) == 2
    assert "parameter 'seed': 'seven' is not a valid integer" in capsys.readouterr().err
    assert main(["run", str(workflow_file), "--set", "nope"]) == 2


def test_an_unreadable_file_or_bad_usage_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.knotwork.json"
    bad.write_text("{not json")
    assert main(["run", str(bad)]) == 2
    assert "bad.knotwork.json: $: invalid JSON at line 1" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "missing.knotwork.json")]) == 2
    with pytest.raises(SystemExit) as info:
        main(["run"])
    assert info.value.code == 2


def test_validate_lists_every_problem_one_per_line(workflow_file, capsys):
    assert main(["validate", str(workflow_file)]) == 0
    data = json.loads(workflow_file.read_text())
    for n in data["nodes"]:
        if n["label"] == "Learner":
            n["settings"]["target"] = "colour"
        if n["label"] == "Split":
            n["settings"]["train_fraction"] = 2
    workflow_file.write_text(json.dumps(data))
    capsys.readouterr()
    assert main(["validate", str(workflow_file)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith("Split: train_fraction: ") for line in lines)


def test_nodes_json_lists_ports_and_settings_schema(capsys):
    assert main(["nodes", "--json"]) == 0
    nodes = {n["type_id"]: n for n in json.loads(capsys.readouterr().out)}
    scorer = nodes["scoring.scorer"]
    assert scorer["inputs"][0]["type"] == "table"
    assert "truth_column" in scorer["settings"]["properties"]


def test_the_knotwork_command_reports_its_version():
    out = subprocess.run(
        [sys.executable, "-m", "studio", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("knotwork ")


def test_importing_the_engine_the_cli_and_the_nodes_never_imports_qt():
    code = (
        "import sys, studio.core, studio.cli.main, nodes.catalog\n"
        "from studio.cli.main import build_parser\n"
        "build_parser()\n"
        "from studio.core import default_catalog\n"
        "default_catalog()\n"
        "for m in ('studio.deploy', 'studio.serve', 'studio.registry', 'studio.monitor'):\n"
        "    try:\n        __import__(m)\n    except ModuleNotFoundError as e:\n        if e.name != m: raise\n"
        "bad = [m for m in sys.modules if m.startswith('PySide6')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_docs_nodes_md_is_current_with_the_catalogue():
    from studio.cli.catalog import catalog_markdown
    from tests.conftest import ROOT

    doc = ROOT / "docs" / "nodes.md"
    assert doc.read_text() == catalog_markdown(), (
        "regenerate it: knotwork nodes --markdown > docs/nodes.md"
    )


def test_nodes_piped_prints_whole_type_ids_one_per_line():
    out = subprocess.run(
        [sys.executable, "-m", "studio", "nodes"], capture_output=True, text=True, check=True
    ).stdout
    lines = [line.split("\t") for line in out.splitlines()]
    assert ["Learners", "learners.decision_tree_classifier", "Decision Tree Classifier"] in lines


def test_node_warnings_go_to_stderr_with_the_node_label_and_into_the_report(tmp_path, capsys):
    wf = zero_ratio(tmp_path)
    path, report = wf.save(tmp_path / "ratio.knotwork.json"), tmp_path / "report.json"
    assert main(["run", str(path), "--quiet", "--report", str(report)]) == 0
    note = 'expression "a / b": division by zero in 2 rows gave missing values'
    assert f'node "Ratio": warning: {note}' in capsys.readouterr().err
    nodes = {n["label"]: n for n in json.loads(report.read_text())["nodes"]}
    assert nodes["Ratio"]["warnings"] == [note] and nodes["Data"]["warnings"] == []
