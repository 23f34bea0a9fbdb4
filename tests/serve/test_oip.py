"""Open Inference Protocol v2 routes: server and model metadata, health, and inference
with one tensor per input column."""

from __future__ import annotations

from .conftest import OUTPUTS


def _tensors(rows: list[dict], bundle) -> list[dict]:
    kinds = {"number": "FP64", "integer": "INT64"}
    return [
        {
            "name": c.name,
            "shape": [len(rows)],
            "datatype": kinds.get(c.dtype, "BYTES"),
            "data": [r[c.name] for r in rows],
        }
        for c in bundle.input_schema.columns
    ]


def test_server_and_model_metadata_follow_the_protocol(server):
    with server.client() as c:
        assert c.get("/v2").json()["name"] == "knotwork"
        assert c.get("/v2/health/live").json() == {"live": True}
        assert c.get("/v2/health/ready").json() == {"ready": True}
        meta = c.get("/v2/models/penguins").json()
        assert c.get("/v2/models/penguins/versions/1").json() == meta
        assert c.get("/v2/models/penguins/ready").json() == {"name": "penguins", "ready": True}
        assert c.get("/v2/models/penguins/versions/1/ready").status_code == 200
    assert meta["versions"] == ["1"]
    assert {"name": "bill_length_mm", "datatype": "FP64", "shape": [-1]} in meta["inputs"]
    assert {"name": "island", "datatype": "BYTES", "shape": [-1]} in meta["inputs"]
    assert [o["name"] for o in meta["outputs"]] == OUTPUTS


def test_infer_returns_one_tensor_per_output_column_matching_predict(server, bundle, example_rows):
    rows = example_rows[:3]
    with server.client() as c:
        r = c.post(
            "/v2/models/penguins/versions/1/infer",
            json={"id": "req-7", "inputs": _tensors(rows, bundle)},
        )
        rest = c.post("/predict", json=rows).json()["predictions"]
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["model_name"], body["model_version"], body["id"]) == ("penguins", "1", "req-7")
    out = {t["name"]: t for t in body["outputs"]}
    assert out["prediction"]["datatype"] == "BYTES" and out["prediction"]["shape"] == [3]
    assert out["prediction"]["data"] == [p["prediction"] for p in rest]
    assert out["probability_Gentoo"]["datatype"] == "FP64"


def test_infer_can_ask_for_some_outputs_only(server, bundle, example_rows):
    req = {"inputs": _tensors(example_rows[:2], bundle), "outputs": [{"name": "prediction"}]}
    with server.client() as c:
        r = c.post("/v2/models/penguins/infer", json=req)
    assert r.status_code == 200 and [t["name"] for t in r.json()["outputs"]] == ["prediction"]


def test_an_unknown_model_or_version_is_404(server, bundle, example_rows):
    with server.client() as c:
        assert c.get("/v2/models/otters").status_code == 404
        r = c.post(
            "/v2/models/penguins/versions/2/infer",
            json={"inputs": _tensors(example_rows[:1], bundle)},
        )
    assert r.status_code == 404 and "version 1" in r.json()["error"]


def test_a_tensor_whose_shape_does_not_match_its_data_is_422_naming_it(
    server, bundle, example_rows
):
    tensors = _tensors(example_rows[:2], bundle)
    tensors[1]["shape"] = [3]
    with server.client() as c:
        r = c.post("/v2/models/penguins/infer", json={"inputs": tensors})
    assert r.status_code == 422
    assert r.json()["detail"][0]["column"] == tensors[1]["name"]


def test_a_bad_value_in_a_tensor_names_the_row_and_column(server, bundle, example_rows):
    tensors = _tensors(example_rows[:2], bundle)
    tensors[6]["data"] = [2008, "later"]  # year
    with server.client() as c:
        r = c.post("/v2/models/penguins/infer", json={"inputs": tensors})
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"row": 1, "column": "year", "error": "expected an integer, got the string 'later'"}
    ]
