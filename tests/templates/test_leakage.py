"""Template 1: an unlimited tree with a leaking column. The Validation Report fails it for
target leakage, the registry will not promote it, and the walkthrough's two fixes make it pass."""

from __future__ import annotations

import pandas as pd

from studio.core import Workflow


def _report(wf: Workflow) -> dict[str, dict]:
    df = wf.run().output("Validation Report", "report").df
    return {row["check"]: row for row in df.to_dict("records")}


def test_the_report_fails_naming_the_leaking_column_and_the_model_goes_no_further(copied, knotwork):
    path = copied("leakage")
    report = path.parent / "report.csv"
    code, out = knotwork("run", path, "--output", f"Validation Report:report={report}")
    assert code == 0 and "Validation Report: status=fail" in out
    leak = pd.read_csv(report).set_index("check").loc["target leakage"]
    assert leak["status"] == "fail"
    assert "'biopsy_code' alone" in leak["message"]
    assert "will not exist at prediction time" in leak["message"]
    bundle = path.parent / "leaky.zip"
    code, out = knotwork(
        "deploy", path, "--name", "tumours-leaky", "--output", bundle, "--register", "--quiet"
    )
    if code == 0:  # built and registered in dev: the test stage's gate stops it
        code, out = knotwork("registry", "promote", "tumours-leaky:1", "--to", "test")
        assert code == 1, out
    else:  # a deploy gate on the report's verdict refuses to build it at all
        assert not bundle.exists()
    assert "target leakage" in out


def test_without_the_leak_the_unlimited_tree_overfits_and_a_depth_limit_passes(copied):
    wf = Workflow.load(copied("leakage"))
    wf.set_setting("Drop columns", "columns", ["biopsy_code"])
    checks = _report(wf)
    assert checks["target leakage"]["status"] == "pass"
    overfit = checks["overfitting (test)"]
    assert overfit["status"] in ("warn", "fail"), overfit
    assert "on train vs" in overfit["message"] and "1.000 on train" in overfit["message"]
    wf.set_setting("Learner", "max_depth", 3)
    checks = _report(wf)
    assert all(c["status"] != "fail" for c in checks.values()), checks
    assert checks["overfitting (test)"]["value"] < overfit["value"]
