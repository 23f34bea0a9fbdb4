"""Every learner stands on exactly one task base, which decides its task, the model it
promises and the Predictor's column; a pair's settings share a base, never each other."""

from __future__ import annotations

import pytest

from nodes.learners.base import (
    TASK_BASES,
    ClassifierLearner,
    ClusteringLearner,
    LearnerNode,
    RegressorLearner,
    learner_base,
)
from studio.core import ConfigureError, ExecutionContext, Table, default_catalog
from tests.conftest import run_node

LEARNERS = [t for t in default_catalog().all() if issubclass(t, LearnerNode)]


def test_the_catalog_lists_every_learner_category_node_as_a_learner():
    learners_category = {t.type_id for t in default_catalog().categories()["Learners"]}
    assert {t.type_id for t in LEARNERS} == learners_category


@pytest.mark.parametrize("learner", LEARNERS, ids=lambda t: t.type_id)
def test_each_learner_stands_on_exactly_one_task_base_and_takes_its_task(learner):
    bases = [b for b in TASK_BASES if issubclass(learner, b)]
    assert len(bases) == 1
    assert learner.task == bases[0].task and learner_base(learner.task) is bases[0]


def test_no_learner_settings_inherit_from_another_tasks_settings():
    for a in LEARNERS:
        for b in LEARNERS:
            if a.task != b.task and a.Settings is not b.Settings:
                assert not issubclass(a.Settings, b.Settings), (a.type_id, b.type_id)


@pytest.mark.parametrize(
    ("type_id", "base", "dtype"),
    [
        ("learners.decision_tree_classifier", ClassifierLearner, "string"),
        ("learners.decision_tree_regressor", RegressorLearner, "number"),
        ("learners.kmeans", ClusteringLearner, "integer"),
    ],
)
def test_the_predictor_promises_the_prediction_type_of_the_models_task(
    diabetes_df, type_id, base, dtype
):
    df = diabetes_df.assign(band=(diabetes_df["target"] > 140).map({True: "high", False: "low"}))
    target = "band" if base is ClassifierLearner else "target"
    table = Table(df.drop(columns=["target" if target == "band" else "band"]), {target: "target"})
    (model,) = run_node(type_id, [table])
    assert model.task == base.task
    predictor = default_catalog().get("scoring.predictor")
    s = predictor.validate_settings({"probabilities": False})
    ctx = ExecutionContext(catalog=default_catalog())
    (promised,) = predictor().configure(s, [model.spec(), table.spec()], ctx)
    (pred,) = run_node("scoring.predictor", [model, table], probabilities=False)
    assert promised.column("prediction").dtype == pred.spec().column("prediction").dtype == dtype


def test_an_unknown_model_task_is_refused_naming_the_known_ones():
    with pytest.raises(ConfigureError, match="unknown model task 'ranking'.*classification"):
        learner_base("ranking")
