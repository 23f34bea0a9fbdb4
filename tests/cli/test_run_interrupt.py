"""Ctrl-C during `knotwork run --isolate` stops a long learner at once: the run ends
cancelled (exit 130), saying so, without a traceback."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from studio.core import Workflow

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process")


def test_ctrl_c_cancels_a_long_learner_and_exits_130(tmp_path):
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(100_000, 4)), columns=list("abcd"))
    df["y"] = np.where(df["a"] > 0, "yes", "no")
    df.to_csv(tmp_path / "many.csv", index=False)
    wf = Workflow.new("long")
    wf.add_node("io.csv_reader", "Rows", {"path": "many.csv"})
    wf.add_node(
        "learners.random_forest_classifier", "Forest", {"target": "y", "n_estimators": 5000}
    )
    wf.connect("Rows", 0, "Forest", 0)
    path = wf.save(tmp_path / "long.knotwork.json")
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio.cli.main", "run", str(path), "--isolate"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert proc.stderr.readline().strip() == "Rows: executed"  # the forest starts now
        os.kill(proc.pid, signal.SIGINT)
        err = proc.stderr.read()
        code = proc.wait(timeout=120)
    finally:
        proc.kill()
    assert code == 130, err
    assert "knotwork: cancelling" in err and "knotwork: run cancelled" in err
    assert "Traceback" not in err
