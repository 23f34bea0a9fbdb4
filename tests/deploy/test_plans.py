"""Scoring plans: a bundle scores with the fastest plan proven equal to its graph (ONNX →
compiled → graph), every plan answers exactly what the graph answers — on the reference
rows and on random valid rows with gaps and unseen categories — and a plan that
disagrees is refused with a note."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nodes.manipulation.expression import Expression
from studio.core import Workflow
from studio.deploy import Bundle, build_bundle
from studio.serve import ServedModel

ROOT = Path(__file__).resolve().parents[2]
PENGUINS = ROOT / "workspace_templates" / "penguins" / "penguins.csv"
PLANS = {"compiled": ("onnx",), "graph": ("onnx", "compiled")}  # plan -> what to turn off


def boosted_workflow(learner: str = "learners.gradient_boosting_classifier") -> Workflow:
    """Penguins: an Expression, Missing Value, Category Encoder and Normalizer fitted on the
    training rows and applied in the scope, then a boosted model ONNX cannot take here."""
    wf = Workflow.new("boosted")
    read = wf.add_node("io.csv_reader", settings={"path": str(PENGUINS)})
    roles = wf.add_node("manipulation.column_roles", settings={"target": "species"})
    split = wf.add_node(
        "validation.partitioning", settings={"method": "stratified", "column": "species", "seed": 2}
    )
    ratio = {"column": "bill_ratio", "expression": "bill_length_mm / bill_depth_mm"}
    expr_train = wf.add_node("manipulation.expression", settings=ratio)
    fill = wf.add_node("preprocessing.missing_value")
    enc = wf.add_node("preprocessing.category_encoder", settings={"columns": ["island", "sex"]})
    scale = wf.add_node("preprocessing.normalizer")
    learn = wf.add_node(learner, settings={"max_iter": 20})
    dep_in = wf.add_node("deployment.input")
    expr_test = wf.add_node("manipulation.expression", label="Ratio test", settings=ratio)
    applied = [
        wf.add_node("preprocessing.apply_transform", label=f"{name} test")
        for name in ("Fill", "Encode", "Scale")
    ]
    predict = wf.add_node("scoring.predictor")
    dep_out = wf.add_node("deployment.output")
    for a, ap, b, bp in [
        (read, 0, roles, 0),
        (roles, 0, split, 0),
        (split, "train", expr_train, 0),
        (expr_train, 0, fill, 0),
        (fill, "table", enc, 0),
        (enc, "table", scale, 0),
        (scale, "table", learn, 0),
        (split, "test", dep_in, 0),
        (dep_in, 0, expr_test, 0),
        (fill, "transform", applied[0], "transform"),
        (expr_test, 0, applied[0], "table"),
        (enc, "transform", applied[1], "transform"),
        (applied[0], 0, applied[1], "table"),
        (scale, "transform", applied[2], "transform"),
        (applied[1], 0, applied[2], "table"),
        (learn, 0, predict, "model"),
        (applied[2], 0, predict, "table"),
        (predict, 0, dep_out, 0),
    ]:
        wf.connect(a.id, ap, b.id, bp)
    return wf


@pytest.fixture(scope="module")
def boosted_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def boosted(tmp_path_factory, boosted_home) -> Bundle:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KNOTWORK_HOME", str(boosted_home))
        out = tmp_path_factory.mktemp("bundles") / "boosted"
        build_bundle(boosted_workflow(), out, name="boosted", version="1")
        return Bundle.load(out)


def reload(bundle: Bundle, home: Path, monkeypatch) -> Bundle:
    monkeypatch.setenv("KNOTWORK_HOME", str(home))  # the key that signed it is trusted there
    return Bundle.load(bundle.path)


def _same(got: dict, want: dict) -> None:
    assert list(got) == list(want)
    for name in want:
        for a, b in zip(got[name], want[name], strict=True):
            if isinstance(b, float) and isinstance(a, float):
                assert (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-9, name
            else:
                assert a == b, name


def test_a_bundle_with_an_expression_and_a_boosted_model_scores_with_the_compiled_plan(boosted):
    assert boosted.plan == "compiled"
    assert "has no scikit-learn mapping" in boosted.refused["onnx"]
    assert boosted.manifest["scoring"]["plan"] == "compiled"
    summary = ServedModel(boosted).summary()["scoring"]
    assert summary["plan"] == "compiled" and set(summary["refused"]) == {"onnx"}


def test_bundle_predict_uses_the_plan_and_answers_as_the_graph_does(boosted, penguins_df):
    rows = penguins_df[boosted.input_schema.names].head(80)
    got, want = boosted.predict(rows), boosted.predict_graph(rows)
    assert list(got.columns) == list(want.columns)
    assert got["prediction"].tolist() == want["prediction"].tolist()
    proba = [c for c in want.columns if c.startswith("probability_")]
    assert (got[proba] - want[proba]).abs().max().max() <= 1e-9


def test_every_plan_gives_the_graphs_answers_on_the_reference_rows(boosted):
    sample = boosted.reference_sample()[boosted.input_schema.names]
    records = [
        {k: (None if v != v else v) for k, v in r.items()} for r in sample.to_dict("records")
    ]
    answers = {}
    for plan, off in PLANS.items():
        served = ServedModel(boosted, off)
        assert served.plan == plan
        answers[plan] = served.predict(served.inputs.from_records(records, "warn"))
    _same(answers["compiled"], answers["graph"])


NUMBER = st.one_of(st.none(), st.floats(-1e4, 1e4, allow_nan=False, allow_infinity=False))


@st.composite
def penguin_rows(draw):
    n = draw(st.integers(1, 6))

    def text(known):
        return st.one_of(st.none(), st.sampled_from(known), st.text(min_size=1, max_size=6))

    return [
        {
            "island": draw(text(["Biscoe", "Dream", "Torgersen"])),
            "bill_length_mm": draw(NUMBER),
            "bill_depth_mm": draw(NUMBER),
            "flipper_length_mm": draw(NUMBER),
            "body_mass_g": draw(NUMBER),
            "sex": draw(text(["male", "female"])),
            "year": draw(st.sampled_from([2007, 2008, 2009])),
        }
        for _ in range(n)
    ]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(records=penguin_rows())
def test_random_rows_with_gaps_and_unseen_categories_get_the_graphs_answers(boosted, records):
    """Rows the compiled plan cannot answer exactly fall back to the graph: never a different answer."""
    answers = {}
    for plan, off in PLANS.items():
        served = ServedModel(boosted, off)
        try:
            answers[plan] = served.predict(served.inputs.from_records(records, "warn"))
        except Exception as exc:  # noqa: BLE001 — both plans must fail alike
            answers[plan] = type(exc).__name__
    if isinstance(answers["graph"], str):
        assert answers["compiled"] == answers["graph"]
    else:
        _same(answers["compiled"], answers["graph"])


def test_a_compiled_plan_that_disagrees_with_the_graph_is_refused_with_a_note(
    boosted, boosted_home, monkeypatch
):
    real = Expression.compile_arrays

    def off_by_one(self, s, state, inputs, ctx):
        fn = real(self, s, state, inputs, ctx)
        return lambda cols: {k: (v + 1.0 if k == s.column else v) for k, v in fn(cols).items()}

    monkeypatch.setattr(Expression, "compile_arrays", off_by_one)
    again = reload(boosted, boosted_home, monkeypatch)
    assert again.plan == "graph"
    assert again.refused["compiled"].startswith("differs from the graph")
    assert (
        ServedModel(again).summary()["scoring"]["refused"]["compiled"] == again.refused["compiled"]
    )


def test_a_node_without_an_array_apply_keeps_the_bundle_on_the_graph(
    boosted, boosted_home, monkeypatch
):
    monkeypatch.setattr(Expression, "compile_arrays", lambda self, *a: None)
    again = reload(boosted, boosted_home, monkeypatch)
    assert again.plan == "graph"
    assert "(manipulation.expression) has no array-level apply" in again.refused["compiled"]
    rows = pd.DataFrame(boosted.input_example)
    assert (
        again.predict(rows)["prediction"].tolist() == boosted.predict(rows)["prediction"].tolist()
    )


def test_bundle_inspect_says_which_plan_serves_and_why_onnx_does_not(
    boosted, boosted_home, monkeypatch, capsys
):
    from studio.cli.main import main

    monkeypatch.setenv("KNOTWORK_HOME", str(boosted_home))
    assert main(["bundle", "inspect", str(boosted.path)]) == 0
    out = capsys.readouterr().out
    assert "scoring:      the compiled plan (proven at load)" in out
    assert f"not onnx:    {boosted.refused['onnx']}" in out
