"""One rule for columns beyond the inputs (issue 20, item 8), kept by `/predict`, `knotwork
score` and `Bundle.predict` on the real penguins bundle: the model's target (which rows taken
from the training data carry) is ignored with a note, any other column is refused by name;
the bundle's OpenAPI does not list the target as an input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import pandas as pd
import pytest

from studio.core.errors import KnotworkWarning
from studio.deploy.errors import InputSchemaError
from studio.deploy.schema import IGNORED


def _target(bundle) -> str:
    (target,) = sorted(bundle.optional_columns)
    return target


def test_predict_ignores_the_target_with_a_note_and_answers_as_without_it(
    server, bundle, example_rows
):
    target = _target(bundle)
    with server.client() as c:
        plain = c.post("/predict", json=example_rows[:2]).json()
        sent = c.post("/predict", json=[dict(r, **{target: "Adelie"}) for r in example_rows[:2]])
        columns = c.post(
            "/predict",
            json={
                **{k: [r[k] for r in example_rows[:2]] for k in example_rows[0]},
                target: ["x", "y"],
            },
        )
        csv = c.post(
            "/predict",
            content=pd.DataFrame(example_rows[:2]).assign(**{target: "Adelie"}).to_csv(index=False),
            headers={"content-type": "text/csv"},
        )
    for r in (sent, columns, csv):
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["predictions"] == plain["predictions"]
        assert {"row": None, "column": target, "error": IGNORED} in body["warnings"]


def test_predict_refuses_an_unknown_column_by_name(server, example_rows):
    with server.client() as c:
        r = c.post("/predict", json=[dict(example_rows[0], flipper_lenght_mm=200.0)])
    assert r.status_code == 422
    assert r.json()["detail"] == [
        {"row": 0, "column": "flipper_lenght_mm", "error": "unknown column"}
    ]


def test_bundle_predict_follows_the_same_rule(bundle, example_rows):
    target = _target(bundle)
    rows = pd.DataFrame(example_rows[:3])
    plain = bundle.predict(rows)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sent = bundle.predict(rows.assign(**{target: "Adelie"}))
    pd.testing.assert_frame_equal(sent, plain)
    assert any(
        issubclass(w.category, KnotworkWarning) and IGNORED in str(w.message) for w in caught
    )
    with pytest.raises(InputSchemaError, match="unknown input column.*'colour'") as err:
        bundle.predict(rows.assign(colour="blue"))
    assert err.value.column == "colour"


def _score(bundle_path, home, rows: pd.DataFrame, tmp_path, *extra: str):
    """`knotwork score` in a child process that trusts the key folder which signed the bundle
    (named explicitly: another module's fixture may have pointed KNOTWORK_HOME elsewhere)."""
    n = len(list(tmp_path.glob("rows*.csv")))
    src, out = tmp_path / f"rows{n}.csv", tmp_path / f"out{n}.csv"
    rows.to_csv(src, index=False)
    cmd = [sys.executable, "-m", "studio", "score", str(bundle_path), "--input", str(src)]
    cmd += ["--output", str(out), "--no-monitor", *extra]
    env = {**os.environ, "KNOTWORK_HOME": str(home)}
    return subprocess.run(cmd, capture_output=True, text=True, env=env), out


def test_score_ignores_the_target_refuses_unknown_columns_and_carries_them_with_input(
    bundle_path, knotwork_home, bundle, example_rows, tmp_path
):
    target = _target(bundle)
    rows = pd.DataFrame(example_rows[:3])
    with_target, out = _score(
        bundle_path, knotwork_home, rows.assign(**{target: "Adelie"}), tmp_path
    )
    assert with_target.returncode == 0, with_target.stderr
    assert f"'{target}': {IGNORED}" in with_target.stderr
    assert len(pd.read_csv(out)) == 3
    unknown, out = _score(bundle_path, knotwork_home, rows.assign(row_id=range(3)), tmp_path)
    assert unknown.returncode == 2 and "column 'row_id': unknown column" in unknown.stderr
    assert not out.exists()
    carried, out = _score(
        bundle_path, knotwork_home, rows.assign(row_id=range(3)), tmp_path, "--with-input"
    )
    assert carried.returncode == 0, carried.stderr
    assert pd.read_csv(out)["row_id"].tolist() == [0, 1, 2]


def test_the_bundles_openapi_does_not_list_the_target(bundle_path, bundle, server):
    target = _target(bundle)
    doc = json.loads((bundle_path / "openapi.json").read_text())
    record = doc["components"]["schemas"]["InputRecord"]
    assert target not in record["properties"] and target not in record["required"]
    assert set(record["properties"]) == set(bundle.input_schema.names)
    with server.client() as c:
        live = c.get("/openapi.json").json()
    assert target not in live["components"]["schemas"]["Record"]["properties"]
