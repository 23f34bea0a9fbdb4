"""Template 4: the later months of a time-ordered study drift away from the training
months; the workflow's Drift Monitor, the deployed bundle's monitors over scored rows, and
`monitor status` all say so, and `retrain` registers a challenger on a recent window."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from studio.core import Workflow


def test_the_drift_monitor_alerts_on_the_later_months_and_not_within_the_training_months(
    copied,
):
    wf = Workflow.load(copied("drift"))
    report = wf.run().output("Watch drift", "report").df.set_index("column")
    assert report.loc["bmi", "verdict"] == "alert"
    assert report.loc["(dataset)", "verdict"] == "alert"
    assert report.loc["bmi", "n_current"] == 147  # months 17-24
    # Control: "later" months taken from inside the training period (9-16, shifted window)
    # differ far less from the reference than months 17-24 do.
    wf.set_setting(
        "Later months",
        "conditions",
        [
            {"column": "month", "operator": ">", "value": "8"},
            {"column": "month", "operator": "<=", "value": "16"},
        ],
    )
    inside = wf.run().output("Watch drift", "report").df.set_index("column")
    assert inside.loc["bmi", "statistic"] < report.loc["bmi", "statistic"] / 2


def test_scored_later_months_alert_and_retraining_registers_a_challenger(copied, knotwork):
    path = copied("drift")
    folder = path.parent
    code, out = knotwork(
        "deploy", path, "--name", "visits", "--output", folder / "visits.zip", "--register", "-q"
    )
    assert code == 0 and "registered as visits:1" in out, out
    code, out = knotwork(
        "score",
        folder / "visits.zip",
        "--input",
        folder / "later_months.csv",
        "--output",
        folder / "scored.csv",
        "--no-progress",
    )
    assert code == 0, out
    code, out = knotwork("monitor", "status", folder / "visits.zip", "--json")
    assert code == 3, out  # an alert
    status = json.loads(out[out.index("{") :])
    text = json.dumps(status)
    assert '"alert"' in text and "bmi" in text
    code, out = knotwork(
        "retrain",
        path,
        "--set",
        "train_until=24",
        "--register",
        "--challenger-of",
        "visits@dev",
        "--quiet",
    )
    assert code == 0 and "registered as visits:2" in out and "champion: visits:1" in out, out
    written = out.split("written to ", 1)[1].split()[0]
    manifest = json.loads((Path(written) / "manifest.json").read_text())
    assert manifest["validation"]["status"] != "fail", manifest["validation"]
    assert len(pd.read_csv(folder / "scored.csv")) == 147
