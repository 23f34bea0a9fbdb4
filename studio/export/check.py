"""Run an exported script and compare what it computes with the workflow's own run: the
deployment scope's predictions (labels equal, numbers within 1e-9) and every metric the
script reports. `knotwork export --check` uses it, so a user sees the round trip hold."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from studio.core import Workflow
from studio.core.ports import Metrics

from .script import ExportError

TOLERANCE = 1e-9


def _metrics_of(wf: Workflow, label: str) -> dict:
    node_type = wf.node_type(label)
    for port in node_type.outputs:
        value = wf.output(label, port.name)
        if isinstance(value, Metrics):
            return {**value.values.get("best_params", {}), **value.values}
    return {}


def _close(a: float, b: object) -> bool:
    if not isinstance(b, (int, float)) or isinstance(b, bool):
        return False
    if math.isnan(a) and math.isnan(float(b)):
        return True
    return abs(a - float(b)) <= TOLERANCE * max(1.0, abs(a))


def compare_predictions(want: pd.DataFrame, got: pd.DataFrame) -> list[str]:
    """How the script's predictions differ from the workflow's (empty: they agree)."""
    want = want.reset_index(drop=True)
    if [str(c) for c in want.columns] != [str(c) for c in got.columns]:
        return [f"prediction columns differ: {list(got.columns)} vs {list(want.columns)}"]
    if len(want) != len(got):
        return [f"{len(got)} prediction rows, the workflow has {len(want)}"]
    problems = []
    for col in want.columns:
        a, b = want[col], got[col]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            gap = float(np.nanmax(np.abs(a.to_numpy(float) - b.to_numpy(float)), initial=0.0))
            if gap > TOLERANCE:
                problems.append(f"column {col!r} differs by up to {gap:.3g}")
        elif (a.astype(str) != b.astype(str)).any():
            rows = int((a.astype(str) != b.astype(str)).sum())
            problems.append(f"column {col!r} differs in {rows} row(s)")
    return problems


def check_script(wf: Workflow, script: Path, scope_output: str | None) -> list[str]:
    """Run `script` on its data and list every difference from the workflow's last run."""
    with tempfile.TemporaryDirectory(prefix="knotwork-export-") as tmp:
        predictions, metrics = Path(tmp) / "predictions.csv", Path(tmp) / "metrics.json"
        cmd = [sys.executable, str(script), "--predictions", str(predictions)]
        done = subprocess.run(
            [*cmd, "--metrics", str(metrics)], capture_output=True, text=True, cwd=tmp
        )
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-1:] or ["(no message)"]
            raise ExportError(f"the exported script failed: {tail[0]}", where=str(script))
        problems = []
        if scope_output is not None:
            want = wf.output(scope_output).df
            problems += compare_predictions(want, pd.read_csv(predictions))
        for label, values in json.loads(metrics.read_text()).items():
            have = _metrics_of(wf, label)
            for key, value in values.items():
                if not _close(value, have.get(key)):
                    problems.append(
                        f"{label}: {key} is {value!r}, the workflow has {have.get(key)!r}"
                    )
        return problems
