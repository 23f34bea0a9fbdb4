"""Template 2: the deployed bundle answers exactly what the training run predicted — as a
Python object, through `knotwork score` and through the REST server."""

from __future__ import annotations

import pandas as pd
from fastapi.testclient import TestClient

from studio.deploy import Bundle
from studio.serve import ServerSettings
from studio.serve.app import create_app
from studio.serve.holder import ModelHolder

OUTPUTS = ["prediction"] + [f"probability_cultivar_{i}" for i in (1, 2, 3)]


def test_deploy_score_and_serve_answer_what_the_run_predicted(copied, knotwork):
    path = copied("parity")
    folder = path.parent
    code, out = knotwork(
        "run",
        path,
        "--output",
        f"Predict:predictions={folder / 'run.csv'}",
        "--output",
        f"Split:test={folder / 'test.csv'}",  # the raw rows the Deployment Input received
    )
    assert code == 0, out
    run = pd.read_csv(folder / "run.csv")
    code, out = knotwork("deploy", path, "--output", folder / "wine.zip", "--quiet")
    assert code == 0, out
    bundle = Bundle.load(folder / "wine.zip")
    assert bundle.manifest["parity"]["passed"] and bundle.manifest["parity"]["rows"] == len(run)
    rows = pd.read_csv(folder / "test.csv")[bundle.input_schema.names]
    rows.to_csv(folder / "rows.csv", index=False)

    code, out = knotwork(
        "score",
        folder / "wine.zip",
        "--input",
        folder / "rows.csv",
        "--output",
        folder / "scored.csv",
        "--no-progress",
    )
    assert code == 0, out
    scored = pd.read_csv(folder / "scored.csv")
    pd.testing.assert_frame_equal(scored[OUTPUTS], run[OUTPUTS])

    in_python = bundle.predict(rows)
    assert in_python["prediction"].tolist() == run["prediction"].tolist()

    with TestClient(create_app(ModelHolder(bundle), ServerSettings())) as client:
        answer = client.post("/predict", json=rows.to_dict("records"))
    assert answer.status_code == 200, answer.text
    served = pd.DataFrame(answer.json()["predictions"])
    assert served["prediction"].tolist() == run["prediction"].tolist()
    for column in OUTPUTS[1:]:
        assert (served[column] - run[column]).abs().max() < 1e-12
