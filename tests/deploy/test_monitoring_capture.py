"""Deploy carries the workflow's Monitoring nodes into the bundle: their definitions,
reference rows and training numbers in `manifest.json` → `monitoring`, signed with the
rest; a workflow without one gets a default Drift Monitor and a note saying so."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pydantic import TypeAdapter

from studio.cli.main import main as cli_main
from studio.deploy import Bundle, BundleError, BundleIntegrityError, build_bundle, verify_bundle
from studio.deploy.monitoring import DEFAULT_NOTE, describe_monitors
from studio.deploy.state import read_table
from studio.monitor import MonitorSpec, prepare

from .conftest import FEATURES, scoring_workflow


def monitored_workflow(csv, **drift_settings):
    """The scoring workflow with a Drift Monitor (test rows + predictions, validation as
    current) and a Performance Monitor on the predictions."""
    wf = scoring_workflow(
        csv,
        output_columns=[
            "prediction",
            "probability_Adelie",
            "probability_Chinstrap",
            "probability_Gentoo",
        ],
    )
    wf.add_node("manipulation.column_roles", "Roles", {"target": "species"}, id="roles")
    wf.connect("roles", "table", "split", "table")  # the target is no input a server sees
    wf.connect("read", "table", "roles", "table")
    wf.add_node("monitoring.drift", "Watch inputs", drift_settings, id="drift")
    wf.add_node("monitoring.performance", "Watch accuracy", {"floor": 0.8}, id="perf")
    wf.connect("split", "test", "drift", "rows")
    wf.connect("predict", "predictions", "drift", "predictions")
    wf.connect("split", "validation", "drift", "current")
    wf.connect("predict", "predictions", "perf", "scored")
    return wf


def test_a_bundle_carries_each_monitoring_node_with_its_reference_rows(penguins_csv, tmp_path):
    wf = monitored_workflow(penguins_csv)
    result = build_bundle(wf, tmp_path / "bundle")
    section = result.manifest["monitoring"]
    assert section["notes"] == []
    drift, perf = section["monitors"]
    assert drift["node"] == "Watch inputs" and drift["spec"]["kind"] == "drift"
    assert drift["spec"]["name"] == "Watch inputs"
    test_rows = wf.output("split", "test").df
    inputs = [c for c in test_rows.columns if c != "species"]
    assert drift["spec"]["columns"] == inputs + ["prediction"]
    assert drift["reference"] == "reference/monitor-0.parquet"
    reference = pd.read_parquet(tmp_path / "bundle" / drift["reference"])
    assert list(reference.columns) == inputs + ["prediction"] and len(reference) == len(test_rows)
    pd.testing.assert_series_equal(
        reference["prediction"], wf.output("predict").df["prediction"], check_names=False
    )
    # the numbers the node computed in training travel for display
    report = {r["column"]: r for r in drift["training"]["report"]}
    assert report["bill_length_mm"]["test"] == "ks" and "(dataset)" in report
    assert perf["spec"]["kind"] == "performance" and perf["spec"]["settings"]["floor"] == 0.8
    assert perf["spec"]["prediction"] == "prediction"
    assert perf["training"]["report"][0]["metric"] == "accuracy"
    perf_ref = pd.read_parquet(tmp_path / "bundle" / perf["reference"])
    assert list(perf_ref.columns) == ["species", "prediction"]


def test_the_captured_monitors_evaluate_served_rows(penguins_csv, tmp_path):
    result = build_bundle(monitored_workflow(penguins_csv), tmp_path / "bundle")
    bundle = Bundle.load(result.path)
    entry = bundle.manifest["monitoring"]["monitors"][0]
    spec = TypeAdapter(MonitorSpec).validate_python(entry["spec"])
    monitor = prepare(spec, read_table(bundle.file(entry["reference"])))
    sample = bundle.reference_sample().drop(columns=["species"])
    served = bundle.predict(sample)
    rows = pd.concat([sample.reset_index(drop=True), served.reset_index(drop=True)], axis=1)
    status = monitor.evaluate([rows])
    assert [c.column for c in status.drift.columns] == spec.columns
    assert status.drift.n_current == len(sample)
    names = [m["name"] for m in bundle.summary()["monitors"]]
    assert names == ["Watch inputs", "Watch accuracy"]


def test_monitor_reference_files_are_signed(penguins_csv, tmp_path):
    result = build_bundle(monitored_workflow(penguins_csv), tmp_path / "bundle")
    assert "reference/monitor-0.parquet" in result.manifest["files"]
    verify_bundle(result.path)
    ref = tmp_path / "bundle" / "reference" / "monitor-1.parquet"
    df = pd.read_parquet(ref)
    df.iloc[0, 0] = "Gentoo" if df.iloc[0, 0] != "Gentoo" else "Adelie"
    df.to_parquet(ref)
    with pytest.raises(BundleIntegrityError) as err:
        verify_bundle(result.path)
    assert "monitor-1.parquet" in str(err.value)


def test_a_workflow_without_monitoring_nodes_gets_the_default_drift_monitor(scoring_wf, tmp_path):
    result = build_bundle(scoring_wf, tmp_path / "bundle")
    section = result.manifest["monitoring"]
    assert section["notes"] == [DEFAULT_NOTE]
    (monitor,) = section["monitors"]
    inputs = [c["name"] for c in result.manifest["input_schema"]["columns"]]
    assert monitor["spec"]["kind"] == "drift" and monitor["spec"]["columns"] == inputs
    assert monitor["node"] == "default"
    reference = pd.read_parquet(tmp_path / "bundle" / monitor["reference"])
    assert list(reference.columns) == inputs
    assert len(reference) == len(scoring_wf.output("din").df)
    (summary,) = Bundle.load(result.path).summary()["monitors"]
    assert summary["name"] == "Drift" and summary["watches"] == ", ".join(inputs)


def test_a_manifest_without_a_monitoring_section_reads_as_the_default_monitor():
    (summary,) = describe_monitors({"name": "old", "version": "1"})
    assert (summary["name"], summary["kind"], summary["watches"]) == (
        "Drift",
        "drift",
        "every input column",
    )


def test_a_drift_monitor_on_the_unmarked_target_is_refused_with_the_fix(penguins_csv, tmp_path):
    wf = scoring_workflow(penguins_csv, output_columns=["prediction"])
    wf.add_node("monitoring.drift", "Watch", id="drift")
    wf.connect("split", "test", "drift", "rows")
    with pytest.raises(BundleError) as err:
        build_bundle(wf, tmp_path / "bundle")
    assert '"Watch"' in str(err.value) and "'species'" in str(err.value)
    assert "Column Roles" in str(err.value)


def test_a_monitor_column_the_served_rows_lack_is_refused_naming_node_and_column(
    penguins_csv, tmp_path
):
    # the Predictor's probability columns are not in this Deployment Output
    wf = scoring_workflow(penguins_csv, output_columns=["prediction"])
    wf.add_node(
        "monitoring.performance",
        "AUC watch",
        {"metric": "roc_auc", "truth_column": "species"},
        id="perf",
    )
    wf.connect("predict", "predictions", "perf", "scored")
    with pytest.raises(BundleError) as err:
        build_bundle(wf, tmp_path / "bundle")
    text = str(err.value)
    assert '"AUC watch"' in text and "'probability_Adelie'" in text and "Deployment Output" in text
    assert not (tmp_path / "bundle").exists()


def test_a_drift_column_only_before_preprocessing_output_is_refused(penguins_csv, tmp_path):
    wf = scoring_workflow(penguins_csv, output_columns=["prediction"])
    wf.add_node("monitoring.drift", "Watch", {"columns": ["probability_Gentoo"]}, id="drift")
    wf.connect("split", "test", "drift", "rows")
    wf.connect("predict", "predictions", "drift", "predictions")
    with pytest.raises(BundleError, match=r"\"Watch\".*'probability_Gentoo'"):
        build_bundle(wf, tmp_path / "bundle")


def test_bundle_inspect_lists_the_monitors(penguins_csv, tmp_path, capsys):
    result = build_bundle(monitored_workflow(penguins_csv), tmp_path / "bundle")
    assert cli_main(["bundle", "inspect", str(result.path)]) == 0
    out = capsys.readouterr().out
    columns = ", ".join(["island", *FEATURES, "sex", "year", "prediction"])
    assert (
        f"monitor:      Watch inputs (drift, node Watch inputs): {columns}; "
        "alert: dataset drift when 0.5 of the columns drift; window 1000 rows"
    ) in out
    assert (
        "monitor:      Watch accuracy (performance, node Watch accuracy): accuracy; "
        "alert: floor 0.8; window 1000 rows"
    ) in out
    assert cli_main(["bundle", "inspect", "--json", str(result.path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["manifest"]["monitoring"]["monitors"]) == 2
