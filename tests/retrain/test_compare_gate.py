"""Retrain, compare and the `beats_current` gate, on real bundles trained with
scikit-learn and rows logged to a real SQLite monitoring store."""

from __future__ import annotations

import json

import pytest

from studio.cli.main import main
from studio.deploy import Bundle
from studio.monitor import MonitorStore
from studio.registry import PromotionRefusedError
from studio.retrain import retrain

from .conftest import stream, training_workflow


def log_scored(bundle: Bundle, rows, store_url: str, prefix: str) -> None:
    """What a server does for each request: log the rows it scored, then the feedback."""
    store = MonitorStore(store_url, background=False)
    inputs = rows[["x1", "x2"]]
    for start in range(0, len(rows), 50):
        part = inputs.iloc[start : start + 50]
        store.log_predictions(
            f"{prefix}-{start}", bundle.name, bundle.version, part, bundle.predict(part)
        )
    store.flush()
    store.log_feedback(
        [
            {"request_id": f"{prefix}-{(i // 50) * 50}", "row": i % 50, "truth": int(t)}
            for i, t in enumerate(rows["truth"])
        ]
    )
    store.close()


@pytest.fixture
def champion(workspace, registry):
    """stream:1 trained on the old relationship, in dev, test and prod."""
    csv = workspace / "old.csv"
    stream(600, seed=1).to_csv(csv, index=False)
    first = retrain(
        training_workflow(workspace, csv=csv),
        registry,
        challenger_of="stream@prod",
        promote_to=["test"],
    )
    assert first.promotions == ["dev", "test"]
    registry.promote("stream:1", "prod", "first release")
    return first


def test_a_worse_challenger_is_registered_but_refused_by_the_gate_with_the_numbers(
    workspace, registry, champion
):
    store_url = f"sqlite:///{workspace / 'monitor.db'}"
    log_scored(Bundle.load(champion.path), stream(300, seed=2), store_url, "live")
    noise = stream(600, seed=4)
    noise["truth"] = noise["truth"].sample(frac=1, random_state=0).to_numpy()  # labels shuffled
    csv = workspace / "noisy.csv"
    noise.to_csv(csv, index=False)
    worse = retrain(
        training_workflow(workspace, csv=csv),
        registry,
        challenger_of="stream@prod",
        promote_to=["test"],
        trigger="manual",
    )
    assert (worse.version, worse.promotions) == ("2", ["dev", "test"])
    assert worse.retraining["champion"] == "stream:1"
    detail = registry.version("stream", "2")
    assert detail.manifest["retraining"]["challenger_of"] == "stream@prod"
    assert "challenger" in detail.aliases
    with pytest.raises(PromotionRefusedError) as refused:
        registry.promote("stream:2", "prod")
    check = next(c for c in refused.value.report.checks if c.name == "beats current version")
    assert check.verdict == "fail"
    assert "accuracy" in check.detail and "stream:1" in check.detail
    assert "on 300 labelled rows" in check.detail and "< margin 0.05" in check.detail
    assert registry.alias_target("stream", "prod").version == "1"


def test_compare_prints_each_metric_difference_and_verdict(workspace, registry, champion, capsys):
    drifted = stream(400, seed=5, drifted=True)
    store_url = f"sqlite:///{workspace / 'monitor.db'}"
    log_scored(Bundle.load(champion.path), drifted, store_url, "drift")
    better = retrain(
        training_workflow(workspace, store=store_url),
        registry,
        challenger_of="stream@prod",
        trigger="alert:Watch accuracy",
    )
    window = better.retraining["data_window"][0]
    assert window["model"] == "stream" and window["since"] < window["until"]
    labelled = workspace / "labelled.csv"
    stream(300, seed=6, drifted=True).to_csv(labelled, index=False)
    code = main(["registry", "compare", "stream:prod", "stream:2", "--data", str(labelled)])
    out = capsys.readouterr().out
    assert code == 0 and "verdict: better" in out
    assert "accuracy *" in out and "balanced_accuracy" in out and "B − A" in out
    code = main(
        ["registry", "compare", "stream:2", "stream:1", "--store", "--since", "1h", "--json"]
    )
    result = json.loads(capsys.readouterr().out)
    assert code == 1 and result["verdict"] == "not better" and result["rows"] == 400
    accuracy = next(m for m in result["metrics"] if m["metric"] == "accuracy")
    assert accuracy["a"] > 0.9 > 0.7 > accuracy["b"]


def test_compare_names_a_missing_truth_column(workspace, registry, champion, capsys):
    labelled = workspace / "unlabelled.csv"
    stream(10, seed=6).drop(columns=["truth"]).to_csv(labelled, index=False)
    code = main(["registry", "compare", "stream:1", "stream:1", "--data", str(labelled)])
    assert code == 2 and "no truth column 'truth'" in capsys.readouterr().err


def test_retrain_never_promotes_to_prod(workspace, registry, capsys):
    code = main(
        ["retrain", str(workspace / "x.knotwork.json"), "--register", "--promote-to", "prod"]
    )
    assert code == 2 and "retrain never promotes to prod" in capsys.readouterr().err
    assert registry.models() == []


def test_retrain_command_registers_the_challenger_with_its_lineage(workspace, registry, capsys):
    csv = workspace / "old.csv"
    stream(300, seed=1).to_csv(csv, index=False)
    wf = training_workflow(workspace, csv=csv)
    argv = ["retrain", str(wf), "--register", "--challenger-of", "stream@prod", "-q"]
    assert main([*argv, "--trigger", "ticket 42"]) == 0
    out = capsys.readouterr().out
    assert "bundle stream version 1 written to" in out and "trigger: ticket 42" in out
    assert "registered as stream:1 (alias challenger), in dev" in out
    assert main([*argv, "--json", "--set", "since=2h"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["version"] == "2" and result["promoted_to"] == ["dev"]
    assert result["retraining"]["parameters"] == {"since": "2h"}
