"""model.onnx for scopes with Missing Value, Category Encoder and Normalizer before the
model: it must answer what bundle.predict answers on the held-out rows, or not exist."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest

from studio.core import Workflow
from studio.deploy import Bundle, build_bundle

OUTPUTS = ["prediction", "probability_Adelie", "probability_Chinstrap", "probability_Gentoo"]


def preprocessed_workflow(csv, *, fill=None, encode=None, scale=None, outputs=OUTPUTS) -> Workflow:
    """Split → fill gaps → encode island/sex → scale → logistic regression; the test rows go
    Deployment Input → three Apply Transforms → Predictor → Deployment Output."""
    wf = Workflow.new("penguins")
    read = wf.add_node("io.csv_reader", settings={"path": str(csv)})
    roles = wf.add_node("manipulation.column_roles", settings={"target": "species"})
    split = wf.add_node(
        "validation.partitioning", settings={"method": "stratified", "column": "species", "seed": 4}
    )
    chain = [
        wf.add_node("preprocessing.missing_value", settings=fill or {}),
        wf.add_node(
            "preprocessing.category_encoder",
            settings={"columns": ["island", "sex"], **(encode or {})},
        ),
        wf.add_node("preprocessing.normalizer", settings=scale or {}),
    ]
    learn = wf.add_node("learners.logistic_regression")
    dep_in = wf.add_node("deployment.input")
    predict = wf.add_node("scoring.predictor")
    dep_out = wf.add_node("deployment.output", settings={"columns": outputs})
    wf.connect(read.id, 0, roles.id, 0)
    wf.connect(roles.id, 0, split.id, 0)
    train, test = (split.id, "train"), (dep_in.id, 0)
    wf.connect(split.id, "test", dep_in.id, 0)
    for node in chain:
        apply = wf.add_node("preprocessing.apply_transform")
        wf.connect(*train, node.id, 0)
        wf.connect(node.id, "transform", apply.id, "transform")
        wf.connect(*test, apply.id, "table")
        train, test = (node.id, "table"), (apply.id, 0)
    wf.connect(*train, learn.id, 0)
    wf.connect(learn.id, 0, predict.id, "model")
    wf.connect(*test, predict.id, "table")
    wf.connect(predict.id, 0, dep_out.id, 0)
    return wf


def onnx_answers(bundle: Bundle, rows: pd.DataFrame) -> list[np.ndarray]:
    """Run model.onnx the way its manifest note says: one (rows x 1) input per raw column."""
    note = bundle.manifest["onnx"]
    feeds = {}
    for c in note["columns"]:
        values = rows[c["column"]]
        if c["type"] == "string":
            feeds[c["input"]] = (
                values.astype(object).where(values.notna(), note["missing_text"]).to_numpy(object)
            ).reshape(-1, 1)
        else:
            feeds[c["input"]] = values.to_numpy(np.float64).reshape(-1, 1)
    session = ort.InferenceSession(bundle.onnx_model, providers=["CPUExecutionProvider"])
    return session.run(None, feeds)


def assert_same_as_bundle(bundle: Bundle, rows: pd.DataFrame) -> None:
    label, proba = onnx_answers(bundle, rows)
    want = bundle.predict(rows)
    assert list(label.ravel()) == list(want["prediction"])
    classes = bundle.manifest["onnx"]["classes"]
    expected = want[[f"probability_{c}" for c in classes]].to_numpy(np.float64)
    assert np.abs(proba - expected).max() <= 1e-9


@pytest.mark.parametrize(
    ("encode", "scale"),
    [
        ({"method": "one_hot", "unseen": "ignore"}, {"method": "zscore"}),
        ({"method": "ordinal", "unseen": "reserved"}, {"method": "minmax"}),
        ({"method": "one_hot", "unseen": "error"}, {"method": "robust"}),
    ],
    ids=["one-hot+zscore", "ordinal+minmax", "one-hot-error+robust"],
)
def test_fill_encode_scale_and_logistic_regression_export_onnx_matching_the_bundle(
    penguins_with_gaps_csv, tmp_path, encode, scale
):
    outputs = OUTPUTS if encode["method"] == "one_hot" else []
    wf = preprocessed_workflow(penguins_with_gaps_csv, encode=encode, scale=scale, outputs=outputs)
    result = build_bundle(wf, tmp_path / "bundle")
    note = result.manifest["onnx"]
    assert note["exported"] is True, note
    assert note["parity"]["passed"] and note["parity"]["rows"] > 0
    bundle = Bundle.load(result.path)
    held_out = bundle.reference_sample()[bundle.input_schema.names]
    assert held_out["sex"].isna().any(), "the held-out rows include a text gap the fill must handle"
    assert_same_as_bundle(bundle, held_out)


def test_an_unseen_category_gets_the_answer_the_graph_gives(penguins_with_gaps_csv, tmp_path):
    wf = preprocessed_workflow(penguins_with_gaps_csv, encode={"unseen": "ignore"})
    bundle = Bundle.load(build_bundle(wf, tmp_path / "bundle").path)
    rows = bundle.reference_sample()[bundle.input_schema.names].dropna().head(3).copy()
    rows["island"] = ["Mars", "Biscoe", "Atlantis"]
    assert_same_as_bundle(bundle, rows)


def test_unseen_error_makes_the_onnx_model_refuse_an_unseen_category(
    penguins_with_gaps_csv, tmp_path
):
    wf = preprocessed_workflow(penguins_with_gaps_csv, encode={"unseen": "error"})
    bundle = Bundle.load(build_bundle(wf, tmp_path / "bundle").path)
    rows = bundle.reference_sample()[bundle.input_schema.names].dropna().head(1).copy()
    rows["island"] = ["Mars"]
    with pytest.raises(Exception, match="Unknown Category"):
        onnx_answers(bundle, rows)


@pytest.mark.parametrize(
    ("encode", "fragment"),
    [
        ({"unseen": "reserved"}, "unseen='reserved'"),
        ({"method": "ordinal", "unseen": "error"}, "cannot refuse unseen values"),
    ],
)
def test_a_setting_onnx_cannot_honour_falls_back_with_a_note(
    penguins_with_gaps_csv, tmp_path, encode, fragment
):
    outputs = OUTPUTS if encode.get("method", "one_hot") == "one_hot" else []
    wf = preprocessed_workflow(penguins_with_gaps_csv, encode=encode, outputs=outputs)
    result = build_bundle(wf, tmp_path / "bundle")
    note = result.manifest["onnx"]
    assert note["exported"] is False and fragment in note["note"]
    assert result.parity["passed"], "the bundle itself still builds and reproduces the run"
    assert Bundle.load(result.path).onnx_model is None
    assert "model.onnx" not in result.manifest["files"]
