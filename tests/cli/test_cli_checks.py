"""The runner's own checks: a Deployment Output column that does not exist is caught by
`validate` (before the classes are known), and `--output` writes what its extension says."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.cli.main import main
from tests.core.builders import clean_penguins, starter


def test_validate_names_a_deployment_output_column_the_predictor_does_not_make(tmp_path, capsys):
    wf = starter(csv=clean_penguins(tmp_path))  # the classes are unknown before the fit
    out = wf.add_node(
        "deployment.output",
        settings={"columns": ["prediction", "probability_Adelie", "predicted_species"]},
    )
    wf.connect("Predict", 0, out.id, 0)
    path = wf.save(tmp_path / "bad.knotwork.json")
    assert main(["validate", str(path)]) == 1
    said = capsys.readouterr().out
    assert (
        "Deployment Output: columns: column(s) 'predicted_species' not in the input table" in said
    )
    wf.set_setting(out.id, "columns", ["prediction", "probability_Adelie"])
    assert main(["validate", str(wf.save())]) == 0


@pytest.fixture
def workflow_file(tmp_path):
    return starter(csv=clean_penguins(tmp_path)).save(tmp_path / "starter.knotwork.json")


def test_output_to_an_xlsx_file_writes_a_real_workbook(workflow_file, tmp_path):
    book = tmp_path / "pred.xlsx"
    assert main(["run", str(workflow_file), "-q", "--output", f"Predict={book}"]) == 0
    assert "prediction" in pd.read_excel(book).columns


def test_metrics_to_an_xlsx_file_are_refused_before_running(workflow_file, tmp_path, capsys):
    code = main(
        ["run", str(workflow_file), "-q", "--output", f"Score:metrics={tmp_path / 'm.xlsx'}"]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "a metrics output is written as .json" in err
    assert not (tmp_path / "m.xlsx").exists()
