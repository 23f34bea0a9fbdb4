"""POST /predict on a real uvicorn server: records, columns, CSV and batches give the
bundle's own predictions."""

from __future__ import annotations

import math

import pandas as pd

from .conftest import OUTPUTS, PENGUINS


def _close(a: dict, b: dict) -> bool:
    return a["prediction"] == b["prediction"] and all(
        math.isclose(a[k], b[k], abs_tol=1e-12) for k in OUTPUTS[1:]
    )


def _complete_rows(bundle, n: int) -> pd.DataFrame:
    df = pd.read_csv(PENGUINS).dropna().reset_index(drop=True)
    return df[bundle.input_schema.names].head(n)


def test_records_are_scored_exactly_as_the_bundle_scores_them(server, bundle):
    rows = _complete_rows(bundle, 3)
    with server.client() as c:
        r = c.post("/predict", json=rows.to_dict(orient="records"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "penguins" and body["version"] == "1" and body["request_id"]
    expected = bundle.predict(rows).to_dict(orient="records")
    assert len(body["predictions"]) == 3
    assert all(_close(got, want) for got, want in zip(body["predictions"], expected, strict=True))
    assert list(body["predictions"][0]) == OUTPUTS


def test_columns_and_records_give_the_same_predictions(server, bundle):
    rows = _complete_rows(bundle, 4)
    with server.client() as c:
        by_records = c.post("/predict", json=rows.to_dict(orient="records")).json()["predictions"]
        by_columns = c.post("/predict", json=rows.to_dict(orient="list")).json()["predictions"]
    assert by_records == by_columns


def test_csv_body_is_scored_and_missing_values_in_it_are_imputed_like_training(server, bundle):
    rows = pd.read_csv(PENGUINS)[bundle.input_schema.names].head(5)  # row 3 is all NA
    with server.client() as c:
        r = c.post(
            "/predict", content=rows.to_csv(index=False), headers={"Content-Type": "text/csv"}
        )
    assert r.status_code == 200, r.text
    preds = r.json()["predictions"]
    assert len(preds) == 5
    expected = bundle.predict(rows)
    assert [p["prediction"] for p in preds] == expected["prediction"].tolist()


def test_one_record_object_is_accepted_as_a_single_row(server, example_rows):
    with server.client() as c:
        r = c.post("/predict", json=example_rows[0])
    assert r.status_code == 200 and len(r.json()["predictions"]) == 1


def test_a_batch_of_every_penguin_is_scored_in_one_request(server, bundle):
    rows = pd.read_csv(PENGUINS)[bundle.input_schema.names]
    payload = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
    with server.client() as c:
        r = c.post("/predict", json=payload)
    assert r.status_code == 200, r.text
    preds = r.json()["predictions"]
    assert len(preds) == len(rows)
    assert [p["prediction"] for p in preds] == bundle.predict(rows)["prediction"].tolist()


def test_an_empty_batch_answers_no_predictions(server):
    with server.client() as c:
        r = c.post("/predict", json=[])
    assert r.status_code == 200 and r.json()["predictions"] == []


def test_health_ready_and_metadata_describe_the_served_bundle(server):
    with server.client() as c:
        assert c.get("/health").json() == {"status": "ok"}
        assert c.get("/ready").json() == {"ready": True, "model": "penguins", "version": "1"}
        meta = c.get("/metadata").json()
    assert meta["name"] == "penguins" and meta["version"] == "1"
    assert [col["name"] for col in meta["input_schema"]["columns"]][:2] == [
        "island",
        "bill_length_mm",
    ]
    assert meta["parity"]["passed"] is True
