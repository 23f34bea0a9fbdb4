"""Typical user mistakes on the command line: each is a clear one-line message, exit 2,
and nothing runs before the mistake is reported."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

from studio.cli.main import main
from tests.core.builders import clean_penguins, starter


@pytest.fixture
def workflow_file(tmp_path):
    return starter(csv=clean_penguins(tmp_path)).save(tmp_path / "starter.knotwork.json")


def test_a_misspelled_output_port_exits_2_before_any_node_runs(workflow_file, tmp_path, capsys):
    out = tmp_path / "m.json"
    assert main(["run", str(workflow_file), "--output", f"Score:metrix={out}"]) == 2
    err = capsys.readouterr().err
    assert "has no output port 'metrix'" in err and "metrics" in err
    assert "executed" not in err and not out.exists()


def test_a_misspelled_label_suggests_the_closest_one(workflow_file, tmp_path, capsys):
    assert main(["run", str(workflow_file), "--output", f"Scroe={tmp_path / 'x.csv'}"]) == 2
    assert "did you mean 'Score'?" in capsys.readouterr().err


def test_jobs_below_one_is_bad_usage(workflow_file, capsys):
    assert main(["run", str(workflow_file), "--jobs", "0"]) == 2
    assert "--jobs must be 1 or more" in capsys.readouterr().err


def test_a_file_from_a_newer_knotwork_warns_once_without_a_source_path(workflow_file, capsys):
    data = json.loads(workflow_file.read_text())
    data["format_version"] = 99
    workflow_file.write_text(json.dumps(data))
    with warnings.catch_warnings():  # as in a fresh process: shown, whatever ran before
        warnings.simplefilter("always")
        assert main(["validate", str(workflow_file)]) == 0
    err = capsys.readouterr().err
    assert err.count("written by a newer Knotwork") == 1
    assert "knotwork: warning: " in err and ".py:" not in err


def test_a_reader_closing_the_pipe_early_is_not_a_traceback():
    with subprocess.Popen(
        [sys.executable, "-m", "studio", "nodes", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as proc:
        proc.stdout.read(10)  # like `| head -c 10`
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0
    assert "Traceback" not in err and "BrokenPipeError" not in err
