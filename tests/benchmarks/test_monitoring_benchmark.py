"""The monitoring benchmark runs end to end (quick sizes, ours only) and finds the drift
it plants, reading the rows back from a real store."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "monitoring.py"


def test_quick_monitoring_benchmark_prints_its_table_and_finds_the_planted_drift(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick", "--no-evidently", "--no-serving"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    rows = [line for line in out.stdout.splitlines() if line.startswith("ours")]
    assert [r.split("  ")[0] for r in rows] == [
        "ours, store, window 2,000",
        "ours, store, window 20,000",
        "ours, in memory",
    ]
    assert all(r.rstrip().endswith("True") for r in rows), out.stdout
    assert "evidently" not in out.stdout.split("drift:", 1)[1]
