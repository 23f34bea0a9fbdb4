"""Bad input is a 4xx naming the row and column at fault, never a 500 or a traceback."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import start_server, stop_server


def _detail(r) -> list[dict]:
    assert "Traceback" not in r.text
    return r.json()["detail"]


def test_a_wrong_type_is_422_naming_the_row_and_the_column(server, example_rows):
    bad = dict(example_rows[0], bill_length_mm="long")
    with server.client() as c:
        r = c.post("/predict", json=[example_rows[0], bad])
    assert r.status_code == 422
    assert _detail(r) == [
        {"row": 1, "column": "bill_length_mm", "error": "expected a number, got the string 'long'"}
    ]


def test_missing_and_unknown_columns_are_named_with_their_row(server, example_rows):
    bad = {k: v for k, v in example_rows[0].items() if k != "sex"} | {"colour": "blue"}
    with server.client() as c:
        r = c.post("/predict", json=[example_rows[0], example_rows[0], bad])
    assert r.status_code == 422
    assert {(d["row"], d["column"], d["error"]) for d in _detail(r)} == {
        (2, "colour", "unknown column"),
        (2, "sex", "missing column"),
    }


def test_a_missing_column_in_the_columns_form_is_named(server, example_rows):
    cols = {k: [v] for k, v in example_rows[0].items() if k != "island"}
    with server.client() as c:
        r = c.post("/predict", json=cols)
    assert r.status_code == 422 and _detail(r) == [
        {"row": None, "column": "island", "error": "missing column"}
    ]


def test_an_island_never_seen_in_training_is_refused_by_default(server, example_rows):
    with server.client() as c:
        r = c.post("/predict", json=[dict(example_rows[0], island="Atlantis")])
    assert r.status_code == 422
    (d,) = _detail(r)
    assert (
        (d["row"], d["column"]) == (0, "island")
        and "Atlantis" in d["error"]
        and "not seen in training" in d["error"]
    )


def test_in_warn_mode_an_unseen_category_is_scored_with_a_warning(serve, example_rows):
    warn = serve(unknown_category="warn")
    with warn.client() as c:
        r = c.post("/predict", json=[dict(example_rows[0], island="Atlantis")])
    assert r.status_code == 200, r.text
    assert len(r.json()["predictions"]) == 1
    assert r.json()["warnings"][0]["column"] == "island"


def test_a_bad_csv_value_names_its_data_row(server, bundle):
    csv = "island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n"
    csv += "Dream,40,18,190,3800,male,2008\nDream,40,18,190,3800,male,twenty\n"
    with server.client() as c:
        r = c.post("/predict", content=csv, headers={"Content-Type": "text/csv"})
    assert r.status_code == 422
    assert _detail(r) == [
        {"row": 1, "column": "year", "error": "expected an integer, got 'twenty'"}
    ]


@pytest.mark.parametrize(
    ("body", "ctype", "fragment"),
    [
        (b"{not json", "application/json", "invalid JSON"),
        (b"42", "application/json", "expected records"),
        (b'{"island": ["Dream"], "year": 2008}', "application/json", "mixes lists"),
        (b"\xff\xfe", "text/csv", "not UTF-8"),
        (b"a,b\n1", "text/csv", "fields"),
        (b"<xml/>", "application/xml", "unsupported content type"),
        (b"[" * 100_000, "application/json", "invalid JSON"),
    ],
)
def test_malformed_bodies_are_422_with_a_reason(server, body, ctype, fragment):
    with server.client() as c:
        r = c.post("/predict", content=body, headers={"Content-Type": ctype})
    assert r.status_code == 422, r.text
    assert fragment in _detail(r)[0]["error"]


def test_infinity_and_nan_literals_are_422_whichever_json_parser_runs(server):
    body = (
        b'{"island": ["Dream"], "bill_length_mm": [Infinity], "bill_depth_mm": [NaN], "flipper_length_mm": [1], '
        b'"body_mass_g": [1], "sex": ["male"], "year": [2008]}'
    )
    with server.client() as c:
        r = c.post("/predict", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    error = _detail(r)[0]["error"]
    assert "invalid JSON" in error or "could not score" in error


def test_a_body_over_the_limit_is_413(serve, example_rows):
    small = serve(max_body_mb=2_000 / 2**20)  # 2000 bytes
    with small.client() as c:
        r = c.post("/predict", json=example_rows * 40)
        ok = c.post("/predict", json=example_rows[:1])
    assert r.status_code == 413 and "larger than 2000 bytes" in _detail(r)[0]["error"]
    assert ok.status_code == 200


def test_a_chunked_body_over_the_limit_is_413_too(serve, example_rows):
    small = serve(max_body_mb=2_000 / 2**20)  # 2000 bytes
    data = json.dumps(example_rows * 40).encode()
    with small.client() as c:
        r = c.post(
            "/predict",
            content=iter([data[:1000], data[1000:]]),
            headers={"Content-Type": "application/json"},
        )
    assert r.status_code == 413


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=20),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    ),
    column=st.sampled_from(
        ["island", "bill_length_mm", "flipper_length_mm", "sex", "year", "extra"]
    ),
)
def test_any_value_in_any_column_is_answered_without_a_server_error(
    server, example_rows, value, column
):
    with server.client() as c:
        r = c.post("/predict", json=[dict(example_rows[0], **{column: value})])
    assert r.status_code in (200, 422), r.text
    if r.status_code == 422:
        assert all(d["column"] in (column, None) for d in _detail(r))


def test_a_model_failure_is_reported_without_the_traceback(bundle, example_rows):
    class Broken:
        name, version, manifest = bundle.name, "9", bundle.manifest
        input_schema, output_schema, reference = (
            bundle.input_schema,
            bundle.output_schema,
            bundle.reference,
        )

        served_schema, plans = bundle.served_schema, {}
        optional_columns = bundle.optional_columns

        def scoring(self, exclude=()):
            return {"plan": "graph", "refused": {}}

        def predict_rows(self, rows, exclude=()):
            raise ZeroDivisionError("a bug inside the model")

    from studio.serve import ModelHolder, create_app

    running, thread = start_server(create_app(ModelHolder(Broken())))
    try:
        with running.client() as c:
            r = c.post("/predict", json=example_rows[:1])
    finally:
        stop_server(running, thread)
    assert r.status_code == 500
    assert "a bug inside the model" not in r.text and "Traceback" not in r.text
    assert _detail(r)[0]["error"].startswith("internal error")


def test_ragged_list_values_in_a_number_column_are_a_422_not_a_500():
    from studio.core.ports import ColumnSpec, TableSpec
    from studio.serve.inputs import InputProblems, InputSchema

    schema = InputSchema(TableSpec((ColumnSpec("a", "number"), ColumnSpec("b", "string"))))
    import pytest

    for bad in ([[1, 2], [3]], [[1], [2]], [{"x": 1}, 2.0]):
        with pytest.raises(InputProblems) as info:
            schema.from_json({"a": bad, "b": ["x"] * len(bad)}, "error")
        assert all(p["column"] == "a" for p in info.value.problems)
