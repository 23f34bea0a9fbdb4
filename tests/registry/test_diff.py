"""Diff of two versions: captured-graph settings, schema changes and metric deltas."""

from __future__ import annotations

import pytest


def test_diff_names_changed_settings_schema_and_metric_deltas(registry, bundles):
    registry.register(bundles(version="1"))
    cols = [
        {"name": "age", "dtype": "integer", "categories": None},
        {"name": "tenure", "dtype": "number", "categories": None},
    ]
    registry.register(
        bundles(
            version="2",
            C=0.25,
            input_columns=cols,
            metrics={"train": {"accuracy": 0.97}, "test": {"accuracy": 0.90}},
        )
    )
    d = registry.diff("churn:1", "churn:2")
    assert [c.model_dump() for c in d.graph.changed_settings] == [
        {
            "node": "lr1",
            "label": "Logistic Regression",
            "setting": "C",
            "before": 1.0,
            "after": 0.25,
        }
    ]
    assert d.input_schema.added == ["tenure"] and d.input_schema.removed == ["plan"]
    assert d.input_schema.changed[0].column == "age"
    deltas = {m.metric: m.delta for m in d.metrics}
    assert deltas["test.accuracy"] == pytest.approx(-0.03)
    assert deltas["train.accuracy"] == pytest.approx(0.02)
    assert not d.same_content


def test_diff_of_a_version_with_itself_is_empty(registry, bundles):
    registry.register(bundles(version="1"))
    d = registry.diff("churn:1", "churn:1")
    assert d.same_content and d.graph.changed_settings == [] and d.lineage == {}
    assert all(m.delta == 0 for m in d.metrics)


def test_diff_across_two_models_names_both_models_in_its_header(registry, bundles):
    from studio.registry.diff import diff_text

    registry.register(bundles(version="1"))
    registry.register(bundles(name="fraud", version="2", C=0.5))
    d = registry.diff("churn:1", "fraud:2")
    assert d.model == "churn" and d.model_b == "fraud"
    assert diff_text(d).splitlines()[0] == "churn:1 → fraud:2"
    assert diff_text(registry.diff("churn:1", "churn:1")).startswith("churn: 1 → 1")
