"""The ONNX fast path: used only for a bundle whose scope is one scikit-learn model on
numeric columns, and then answering exactly what the bundle's own graph answers."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.core import Workflow
from studio.deploy import Bundle, build_bundle
from studio.serve import ModelHolder, ServedModel, create_app

from .conftest import start_server, stop_server

GRAPH = ("onnx", "compiled")  # the plans a graph-only server turns off


@pytest.fixture(scope="module")
def numeric_bundle(tmp_path_factory, knotwork_home, breast_cancer_df) -> Bundle:
    folder = tmp_path_factory.mktemp("numeric")
    df = breast_cancer_df.iloc[:, list(range(8)) + [-1]]
    features = [c for c in df.columns if c != "target"]
    df.to_csv(folder / "cancer.csv", index=False)
    wf = Workflow.new("cancer")
    read = wf.add_node("io.csv_reader", settings={"path": str(folder / "cancer.csv")})
    roles = wf.add_node("manipulation.column_roles", settings={"target": "target"})
    split = wf.add_node("validation.partitioning", settings={"seed": 3})
    learn = wf.add_node("learners.logistic_regression", settings={"max_iter": 5000})
    dep_in = wf.add_node("deployment.input", settings={"columns": features})
    predict = wf.add_node("scoring.predictor")
    drop = wf.add_node(
        "manipulation.column_filter", settings={"mode": "exclude", "columns": features}
    )
    dep_out = wf.add_node("deployment.output")
    for a, ap, b, bp in [
        (read, 0, roles, 0),
        (roles, 0, split, 0),
        (split, "train", learn, 0),
        (split, "test", dep_in, 0),
        (learn, 0, predict, "model"),
        (dep_in, 0, predict, "table"),
        (predict, 0, drop, 0),
        (drop, 0, dep_out, 0),
    ]:
        wf.connect(a.id, ap, b.id, bp)
    build_bundle(wf, folder / "bundle", name="cancer", version="1")
    return Bundle.load(folder / "bundle")


def test_a_single_model_bundle_is_scored_with_onnx_and_matches_the_graph(
    numeric_bundle, breast_cancer_df
):
    assert numeric_bundle.manifest["onnx"]["exported"] is True
    fast, graph = ServedModel(numeric_bundle), ServedModel(numeric_bundle, GRAPH)
    assert fast.fast is not None and graph.fast is None
    rows = breast_cancer_df[numeric_bundle.input_schema.names].head(60)
    for parse in (
        lambda m: m.inputs.from_records(rows.to_dict(orient="records")),
        lambda m: m.inputs.from_frame(rows),
    ):
        got, want = fast.predict(parse(fast)), graph.predict(parse(graph))
        assert list(got) == list(want) == numeric_bundle.output_schema.names
        assert got["prediction"] == want["prediction"]
        for name in got:
            if name != "prediction":
                assert max(abs(a - b) for a, b in zip(got[name], want[name], strict=True)) <= 1e-9


def test_the_server_answers_the_same_with_or_without_onnx_even_for_missing_values(
    numeric_bundle, breast_cancer_df
):
    rows = breast_cancer_df[numeric_bundle.input_schema.names].head(5).to_dict(orient="records")
    with_gap = [dict(rows[0], **{numeric_bundle.input_schema.names[0]: None})]
    answers = []
    for exclude in ((), GRAPH):
        running, thread = start_server(create_app(ModelHolder(numeric_bundle, exclude=exclude)))
        try:
            with running.client() as c:
                ok = c.post("/predict", json=rows).json()
                gap = c.post("/predict", json=with_gap)
                scoring = c.get("/metadata").json()["scoring"]
        finally:
            stop_server(running, thread)
        answers.append(([p["prediction"] for p in ok["predictions"]], gap.status_code, scoring))
    assert answers[0][:2] == answers[1][:2]
    assert (answers[0][2]["plan"], answers[1][2]["plan"]) == ("onnx", "graph")
    assert answers[1][2]["refused"] == {
        "onnx": "turned off for this server",
        "compiled": "turned off for this server",
    }


def test_a_non_number_in_an_all_number_schema_still_names_row_and_column(
    numeric_bundle, breast_cancer_df
):
    served = ServedModel(numeric_bundle)
    rows = breast_cancer_df[numeric_bundle.input_schema.names].head(3).to_dict(orient="records")
    rows[2] = dict(rows[2], **{"mean radius": "big"})
    from studio.serve.inputs import InputProblems

    with pytest.raises(InputProblems) as err:
        served.inputs.from_records(rows)
    assert err.value.problems == [
        {"row": 2, "column": "mean radius", "error": "expected a number, got the string 'big'"}
    ]
    assert isinstance(pd.DataFrame(rows), pd.DataFrame)


def test_a_bundle_with_fill_encode_scale_is_served_by_onnx_with_the_graphs_answers(
    bundle, penguins_df
):
    """The penguins bundle (Missing Value, Category Encoder, Normalizer, then the model)
    is scored by onnxruntime, text columns and gaps included, with the graph's answers."""
    assert bundle.manifest["onnx"]["exported"] is True
    fast, graph = ServedModel(bundle), ServedModel(bundle, GRAPH)
    assert fast.summary()["scoring"] == {"plan": "onnx", "refused": {}}
    assert graph.summary()["scoring"]["plan"] == "graph"
    rows = penguins_df[bundle.input_schema.names].head(40)
    records = [
        {k: (None if v != v else v) for k, v in r.items()} for r in rows.to_dict(orient="records")
    ]
    assert any(r["sex"] is None for r in records)
    parsed = fast.inputs.from_records(records, "warn")
    assert fast.fast.predict(parsed) is not None, "text columns and filled gaps take the fast path"
    got, want = fast.predict(parsed), graph.predict(graph.inputs.from_records(records, "warn"))
    assert got["prediction"] == want["prediction"]
    for name in got:
        if name != "prediction":
            assert max(abs(a - b) for a, b in zip(got[name], want[name], strict=True)) <= 1e-9


def test_bundle_predict_on_plain_float_rows_takes_them_as_one_matrix_and_answers_as_before(
    numeric_bundle, breast_cancer_df
):
    """Bundle.predict's one-check path for float frames of exactly the inputs gives the
    frame the general path (extras, conform, rows_of) gives, index and all."""
    from studio.deploy.parity import compare

    names = numeric_bundle.input_schema.names
    rows = breast_cancer_df[names].head(25).astype("float64").set_axis(range(100, 125))
    assert numeric_bundle._number_rows(rows) is not None
    got = numeric_bundle.predict(rows)
    assert compare(numeric_bundle.predict_graph(rows), got)["passed"]
    # every other frame takes the general path: the same plan, to the same answers
    for other in (rows[names[::-1]], rows.astype({names[0]: "float32"}), rows.head(0)):
        assert numeric_bundle._number_rows(other) is None
    pd.testing.assert_frame_equal(numeric_bundle.predict(rows[names[::-1]]), got, check_exact=True)
    with_gap = rows.copy()
    with_gap.iloc[3, 2] = float("nan")  # ONNX hands a gap to the graph, which words the error
    with pytest.raises(Exception) as fast:
        numeric_bundle.predict(with_gap)
    with pytest.raises(Exception) as graph:
        numeric_bundle.predict_graph(with_gap)
    assert type(fast.value) is type(graph.value) and str(fast.value) == str(graph.value)


def test_only_plain_ints_and_floats_take_the_all_number_records_path():
    from studio.core.ports import ColumnSpec, TableSpec
    from studio.serve.inputs import InputSchema

    schema = InputSchema(TableSpec((ColumnSpec("a", "number"), ColumnSpec("b", "number"))))
    fast = schema._number_matrix([{"a": 1, "b": 2.5}, {"b": -3, "a": 0.25}])
    assert fast is not None and fast.matrix.tolist() == [[1.0, 2.5], [0.25, -3.0]]
    for odd in ({"a": True, "b": 1.0}, {"a": None, "b": 1.0}, {"a": "1", "b": 1.0}, {"a": 1.0}):
        assert schema._number_matrix([{"a": 1.0, "b": 2.0}, odd]) is None
    gap = schema.from_records([{"a": None, "b": 1.0}])
    assert gap.n_rows == 1 and gap.columns["a"][0] != gap.columns["a"][0]  # a gap, as NaN
    one = InputSchema(TableSpec((ColumnSpec("a", "number"),)))
    assert one._number_matrix([{"a": 2}]).matrix.tolist() == [[2.0]]
