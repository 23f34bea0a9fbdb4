"""Token auth, Prometheus metrics, the web form, feedback logging and hot swaps."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from studio.deploy import Bundle, build_bundle
from studio.monitor import MonitorStore
from studio.serve import ModelHolder, create_app

from .conftest import TOKEN, penguins_workflow, start_server, stop_server


def test_without_a_token_configured_every_route_is_open(server):
    with server.client() as c:
        assert c.get("/metadata").status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/predict",
        "/metadata",
        "/metrics",
        "/openapi.json",
        "/v2",
        "/v2/models/penguins",
        "/ready",
    ],
)
def test_with_a_token_every_route_but_health_and_the_form_page_needs_it(serve, path):
    secured = serve(token=TOKEN)
    method = "POST" if path == "/predict" else "GET"
    with (
        secured.client() as anonymous,
        secured.client("wrong-token") as wrong,
        secured.client(TOKEN) as good,
    ):
        assert anonymous.request(method, path).status_code == 401
        assert wrong.request(method, path).status_code == 401
        assert good.request(method, path).status_code in (200, 422)
        assert anonymous.get("/health").status_code == 200
        assert anonymous.get("/v2/health/live").status_code == 200
        assert anonymous.get("/v2/health/ready").status_code == 200
    r = secured.client().get("/metadata")
    assert r.headers["www-authenticate"] == "Bearer" and TOKEN not in r.text


def test_with_a_token_the_form_page_opens_in_a_browser_and_asks_for_the_token(serve, example_rows):
    secured = serve(token=TOKEN)
    with secured.client() as anonymous, secured.client(TOKEN) as good:
        page = anonymous.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'type="password" id="token"' in page.text and "'Bearer ' + token.value" in page.text
        assert TOKEN not in page.text
        assert anonymous.post("/predict", json=example_rows[:1]).status_code == 401
        assert good.post("/predict", json=example_rows[:1]).status_code == 200
        assert anonymous.post("/feedback", json=[]).status_code == 401
        assert anonymous.post("/v2/models/penguins/infer", json={}).status_code == 401


def _metric(text: str, name: str, **labels) -> float:
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_metrics_count_requests_errors_latency_and_rows(serve, example_rows):
    fresh = serve()
    with fresh.client() as c:
        c.post("/predict", json=example_rows[:3])
        c.post("/predict", json=example_rows[:2])
        c.post("/predict", json=[{"island": "Dream"}])
        text = c.get("/metrics").text
    assert _metric(text, "knotwork_requests_total", route="/predict", status="200") == 2
    assert _metric(text, "knotwork_request_errors_total", route="/predict", status="422") == 1
    assert _metric(text, "knotwork_request_latency_seconds_count", route="/predict") == 3
    assert _metric(text, "knotwork_rows_scored_total", model="penguins", version="1") == 5


def test_the_web_form_has_an_input_per_column_and_choices_for_categories(server, bundle):
    with server.client() as c:
        html = c.get("/").text
    for col in bundle.input_schema.names:
        assert f'name="{col}"' in html
    island = re.search(r'<select name="island".*?</select>', html, re.S).group(0)
    assert all(f">{v}</option>" in island for v in ("Biscoe", "Dream", "Torgersen"))
    assert 'type="number" step="any" name="bill_length_mm"' in html
    assert "fetch('predict'" in html and "<script src" not in html


def test_openapi_describes_the_real_columns(server):
    with server.client() as c:
        doc = c.get("/openapi.json").json()
    record = doc["components"]["schemas"]["Record"]
    assert record["required"] == [
        "island",
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "sex",
        "year",
    ]
    assert record["properties"]["bill_length_mm"]["type"] == ["number", "null"]
    assert set(record["properties"]["island"]["enum"]) == {"Biscoe", "Dream", "Torgersen", None}
    assert "text/csv" in doc["paths"]["/predict"]["post"]["requestBody"]["content"]
    assert "/v2/models/{name}/versions/{version}/infer" in doc["paths"]


def test_feedback_is_logged_against_the_scored_rows(bundle, tmp_path, example_rows):
    store = MonitorStore(tmp_path / "monitor.sqlite", flush_every=0.05)
    running, thread = start_server(create_app(ModelHolder(bundle), store=store))
    try:
        with running.client() as c:
            rid = c.post("/predict", json=example_rows[:2]).json()["request_id"]
            ok = c.post(
                "/feedback",
                json=[
                    {"request_id": rid, "row": 1, "truth": "Adelie"},
                    {"request_id": "nope", "row": 0, "truth": "Gentoo"},
                ],
            )
            bad = c.post("/feedback", json=[{"request_id": rid, "row": -1, "truth": "Adelie"}])
    finally:
        stop_server(running, thread)
        store.close()
    assert {k: ok.json()[k] for k in ("accepted", "matched", "unmatched")} == {
        "accepted": 2,
        "matched": 1,
        "unmatched": 1,
    }
    assert ok.json()["unmatched_request_ids"] == ["nope"]
    assert bad.status_code == 422 and bad.json()["detail"][0]["column"] == "row"
    reopened = MonitorStore(tmp_path / "monitor.sqlite", background=False)
    rows = pd.concat(reopened.iter_rows("penguins", with_truth=True))
    reopened.close()
    logged = rows[rows["_request_id"] == rid].set_index("_row")
    assert len(logged) == 2 and logged.loc[1, "_truth"] == "Adelie"


def test_feedback_without_a_monitoring_store_is_404(server):
    with server.client() as c:
        assert (
            c.post("/feedback", json={"request_id": "x", "row": 0, "truth": 1}).status_code == 404
        )


def test_a_swap_serves_the_new_version_from_the_next_request(bundle, tmp_path, example_rows):
    holder = ModelHolder(bundle)
    running, thread = start_server(create_app(holder))
    build_bundle(penguins_workflow(), tmp_path / "v2", name="penguins", version="2")
    try:
        with running.client() as c:
            assert c.post("/predict", json=example_rows[:1]).json()["version"] == "1"
            old = holder.swap(Bundle.load(tmp_path / "v2"))
            assert c.post("/predict", json=example_rows[:1]).json()["version"] == "2"
            assert c.get("/v2/models/penguins/versions/2").status_code == 200
            assert c.get("/openapi.json").json()["info"]["version"] == "2"
    finally:
        stop_server(running, thread)
    assert old is bundle and holder.generation == 1
