"""Building a bundle, loading it back, and scoring with it: parity, versions, layout,
the input schema at the door, and the optional ONNX export."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from studio.core import NodeType, Port, PortType, StateChanged, default_catalog
from studio.deploy import Bundle, InputSchemaError, ParityError, build_bundle
from studio.deploy.parity import compare

from .conftest import FEATURES, scoring_workflow


@pytest.fixture
def built(scoring_wf, tmp_path):
    return build_bundle(scoring_wf, tmp_path / "bundles" / "penguins")


def test_a_built_bundle_has_the_documented_layout_and_a_passing_parity_check(built):
    names = {p.relative_to(built.path).as_posix() for p in built.path.rglob("*") if p.is_file()}
    assert {
        "manifest.json",
        "signature.json",
        "graph.json",
        "openapi.json",
        "input_example.json",
        "requirements.txt",
        "Dockerfile",
        "reference/profile.json",
        "reference/sample.parquet",
        "model.onnx",
    } <= names
    assert any(n.startswith("state/") and n.endswith(".skops") for n in names)
    m = json.loads((built.path / "manifest.json").read_text())
    assert set(m["files"]) == names - {"manifest.json", "signature.json"}
    assert m["parity"]["passed"] is True and m["parity"]["rows"] == built.parity["rows"] > 0
    assert m["name"] == "penguins" and m["version"] == "1"
    assert {c["name"] for c in m["input_schema"]["columns"]} == {"island", "sex", "year", *FEATURES}
    assert m["optional_columns"] == [
        "species"
    ]  # the model's target passes through but clients need not send it
    assert m["metrics"]["training"]["Learner"]["accuracy"] > 0.9
    assert set(m["data_fingerprints"]) == {"Read"} and len(m["data_fingerprints"]["Read"]) == 64
    assert "scikit-learn" in m["requirements"] and "skops" in m["requirements"]
    assert "knotwork serve /bundle --host 0.0.0.0" in (
        built.path / "Dockerfile"
    ).read_text().replace('", "', " ").replace('["', "")


def test_the_loaded_bundle_scores_one_row_like_the_training_run(built, scoring_wf):
    bundle = Bundle.load(built.path)
    test_rows = scoring_wf.output("split", "test").df
    expected = scoring_wf.output("dout").df
    one = test_rows.drop(columns=["species"]).iloc[[3]]
    got = bundle.predict(one)
    assert len(got) == 1
    assert got["prediction"].iloc[0] == expected["prediction"].iloc[3]
    assert got["probability_Adelie"].iloc[0] == pytest.approx(
        expected["probability_Adelie"].iloc[3], abs=1e-12
    )


def test_building_reuses_the_trained_results_instead_of_refitting(scoring_wf, tmp_path):
    scoring_wf.run()
    fitted = scoring_wf.output("learner").estimator
    events = []
    scoring_wf.subscribe(events.append)
    build_bundle(scoring_wf, tmp_path / "b")
    assert scoring_wf.output("learner").estimator is fitted
    assert not [e for e in events if isinstance(e, StateChanged) and e.state == "executing"]


def test_bundle_is_importable_from_the_package_root(built):
    from studio import Bundle as RootBundle

    assert RootBundle is Bundle
    assert RootBundle.load(built.path).name == "penguins"


def test_a_zip_bundle_round_trips_and_versions_count_up_beside_it(scoring_wf, tmp_path):
    first = build_bundle(scoring_wf, tmp_path / "out" / "a.zip")
    second = build_bundle(scoring_wf, tmp_path / "out" / "b.zip")
    assert zipfile.is_zipfile(first.path)
    assert (first.manifest["version"], second.manifest["version"]) == ("1", "2")
    again = build_bundle(
        scoring_wf, tmp_path / "out" / "b.zip"
    )  # rebuilding in place replaces it with the next version
    assert Bundle.load(again.path).version == "3"
    pinned = build_bundle(scoring_wf, tmp_path / "out" / "c.zip", version="7.0.1", name="penguins")
    assert pinned.manifest["version"] == "7.0.1"
    assert build_bundle(scoring_wf, tmp_path / "out" / "d.zip").manifest["version"] == "7.0.2"


def test_no_half_written_bundle_is_left_when_the_build_fails(penguins_csv, tmp_path):
    wf = scoring_workflow(penguins_csv)
    wf.set_setting("learner", "features", ["island"])  # text feature: the learner fails
    with pytest.raises(Exception, match="Category Encoder"):
        build_bundle(wf, tmp_path / "out" / "broken")
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_requests_are_shaped_to_the_input_schema_and_bad_values_name_column_and_row(built):
    bundle = Bundle.load(built.path)
    row = {
        "island": "Biscoe",
        "bill_length_mm": 45,
        "bill_depth_mm": "15.5",
        "flipper_length_mm": 220,
        "body_mass_g": 5000,
        "sex": "male",
        "year": 2008,
    }
    out = bundle.predict(pd.DataFrame([row]))
    assert out["prediction"].iloc[0] == "Gentoo"
    with pytest.raises(InputSchemaError, match="unknown input column.*'unknown_extra'"):
        bundle.predict(pd.DataFrame([{**row, "unknown_extra": 1}]))  # one rule: refused by name
    with pytest.raises(InputSchemaError, match="missing input column") as missing:
        bundle.predict(pd.DataFrame([{k: v for k, v in row.items() if k != "body_mass_g"}]))
    assert missing.value.column == "body_mass_g"
    with pytest.raises(InputSchemaError) as bad:
        bundle.predict(pd.DataFrame([row, {**row, "bill_depth_mm": "deep"}]))
    assert (bad.value.column, bad.value.row) == ("bill_depth_mm", 1)


def test_the_reference_profile_describes_the_rows_that_reached_the_input(built):
    bundle = Bundle.load(built.path)
    prof = bundle.reference
    assert prof["rows"] == built.parity["rows"]
    mass = prof["columns"]["body_mass_g"]
    assert (
        mass["min"] <= mass["mean"] <= mass["max"]
        and sum(mass["histogram"]["counts"]) == mass["count"]
    )
    assert set(prof["columns"]["island"]["frequencies"]) <= {"Biscoe", "Dream", "Torgersen"}
    assert len(bundle.reference_sample()) == prof["rows"]
    assert bundle.openapi["paths"]["/predict"]["post"]["requestBody"]["required"] is True
    assert "species" not in bundle.openapi["components"]["schemas"]["InputRecord"]["required"]
    assert set(bundle.input_example[0]) == set(bundle.input_schema.names)


def test_onnx_is_exported_for_a_plain_sklearn_scope_and_for_one_that_imputes_first(
    built, penguins_with_gaps_csv, tmp_path
):
    onnx = built.manifest["onnx"]
    assert onnx["exported"] and onnx["parity"]["passed"] and onnx["parity"]["label_mismatches"] == 0
    import onnxruntime as ort

    sess = ort.InferenceSession(
        Bundle.load(built.path).onnx_model, providers=["CPUExecutionProvider"]
    )
    assert [i.name for i in sess.get_inputs()] == ["input"]
    from studio.core import Workflow

    wf = Workflow.new("impute")
    wf.add_node("io.csv_reader", "Read", {"path": str(penguins_with_gaps_csv)}, id="read")
    wf.add_node("validation.partitioning", "Split", {"method": "random"}, id="split")
    wf.add_node("preprocessing.missing_value", "Impute", id="imp")
    wf.add_node(
        "learners.logistic_regression",
        "Learner",
        {"target": "species", "features": FEATURES},
        id="learner",
    )
    wf.add_node("deployment.input", "Deployment Input", id="din")
    wf.add_node("preprocessing.apply_transform", "Impute test", id="apply")
    wf.add_node("scoring.predictor", "Predict", id="predict")
    wf.add_node("deployment.output", "Deployment Output", {"columns": ["prediction"]}, id="dout")
    for a, ap, b, bp in [
        ("read", 0, "split", 0),
        ("split", "train", "imp", 0),
        ("imp", "table", "learner", 0),
        ("split", "test", "din", 0),
        ("imp", "transform", "apply", "transform"),
        ("din", 0, "apply", "table"),
        ("apply", 0, "predict", "table"),
        ("learner", "model", "predict", "model"),
        ("predict", 0, "dout", 0),
    ]:
        wf.connect(a, ap, b, bp)
    result = build_bundle(wf, tmp_path / "impute")
    assert result.parity["passed"]
    onnx = result.manifest["onnx"]
    assert onnx["exported"] is True and onnx["parity"]["passed"], onnx
    assert [c["column"] for c in onnx["columns"]] == FEATURES  # one input per raw column
    assert (tmp_path / "impute" / "model.onnx").exists()
    # The Transform was frozen: a row with a gap is imputed exactly as in training.
    row = {
        "island": "Dream",
        "sex": None,
        "year": 2008,
        **{f: None if f == "body_mass_g" else 40.0 for f in FEATURES},
    }
    one = Bundle.load(result.path).predict(pd.DataFrame([row]))
    assert list(one.columns) == ["prediction"] and one["prediction"].iloc[0] in {
        "Adelie",
        "Chinstrap",
        "Gentoo",
    }


def test_parity_reports_differing_labels_and_numbers_beyond_the_tolerance():
    expected = pd.DataFrame({"prediction": ["a", "b", "c"], "p": [0.1, 0.2, 0.3]})
    actual = pd.DataFrame({"prediction": ["a", "x", "c"], "p": [0.1, 0.2, 0.3 + 1e-6]})
    report = compare(expected, actual)
    assert report["passed"] is False
    assert {(d["row"], d["column"]) for d in report["differences"]} == {(1, "prediction"), (2, "p")}
    assert compare(expected, expected.assign(p=expected["p"] + 1e-12))["passed"] is True
    assert compare(expected, actual[["p", "prediction"]])["passed"] is False


def test_a_lookup_table_entering_the_scope_is_frozen_and_joined_in_production(
    penguins_csv, tmp_path
):
    lookup = tmp_path / "islands.csv"
    pd.DataFrame(
        {"island": ["Biscoe", "Dream", "Torgersen"], "region": ["south", "north", "west"]}
    ).to_csv(lookup, index=False)
    wf = scoring_workflow(penguins_csv, output_columns=["prediction", "region"])
    wf.add_node("io.csv_reader", "Islands", {"path": str(lookup)}, id="islands")
    wf.add_node(
        "manipulation.joiner",
        "Add region",
        {"how": "left", "left_keys": ["island"], "right_keys": ["island"]},
        id="join",
    )
    wf.disconnect("predict", "table")
    wf.connect("din", "table", "join", 0)
    wf.connect("islands", "table", "join", 1)
    wf.connect("join", 0, "predict", "table")
    result = build_bundle(wf, tmp_path / "joined")
    assert result.parity["passed"]
    lookup.unlink()  # production never reads the training-time file: the table is in the bundle
    bundle = Bundle.load(result.path)
    row = {
        "island": "Dream",
        "sex": "male",
        "year": 2009,
        "bill_length_mm": 50.0,
        "bill_depth_mm": 19.0,
        "flipper_length_mm": 196.0,
        "body_mass_g": 3900.0,
    }
    assert bundle.predict(pd.DataFrame([row]))["region"].iloc[0] == "north"


class _Noisy(NodeType):
    """A node that is not deterministic: the bundle cannot reproduce its training output."""

    type_id = "tests.noisy"
    name = "Noisy"
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)

    def execute(self, s, inputs, ctx):
        df = inputs[0].df
        return [inputs[0].with_df(df.assign(noise=np.random.default_rng().random(len(df))))]


def test_a_bundle_that_does_not_reproduce_training_fails_the_build_listing_rows(
    penguins_csv, tmp_path, monkeypatch
):
    monkeypatch.setitem(default_catalog()._types, _Noisy.type_id, _Noisy)
    wf = scoring_workflow(penguins_csv)
    wf.add_node(_Noisy.type_id, "Noise", id="noise")
    wf.disconnect("dout", "table")
    wf.connect("predict", 0, "noise", 0)
    wf.connect("noise", 0, "dout", 0)
    with pytest.raises(ParityError, match="parity check failed") as err:
        build_bundle(wf, tmp_path / "out" / "noisy")
    assert err.value.rows and {d["column"] for d in err.value.rows} == {"noise"}
    assert "row 0, column 'noise'" in str(err.value)
    assert list((tmp_path / "out").iterdir()) == []  # nothing half-written is left behind


def test_a_sibling_whose_manifest_was_edited_does_not_push_the_version_numbering(
    scoring_wf, tmp_path
):
    first = build_bundle(scoring_wf, tmp_path / "out" / "a")
    manifest = json.loads((first.path / "manifest.json").read_text())
    manifest["version"] = "99"  # a copied or tampered manifest: the signature no longer matches
    (first.path / "manifest.json").write_text(json.dumps(manifest))
    assert build_bundle(scoring_wf, tmp_path / "out" / "b").manifest["version"] == "1"
