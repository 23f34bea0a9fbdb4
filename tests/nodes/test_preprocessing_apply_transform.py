"""Apply Transform and the Transform convention every preprocessing node follows:
fitted on train, reused on other rows with the same result, persistable with skops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from studio.core import (
    ConfigureError,
    ExecutionContext,
    NodeExecutionError,
    Table,
    Transform,
    Workflow,
    default_catalog,
)
from studio.core.ports import TransformSpec
from tests.conftest import ROOT, run_node

# (node, settings) pairs that exercise every preprocessing node on the raw penguins.
CASES = [
    ("preprocessing.missing_value", {}),
    (
        "preprocessing.missing_value",
        {"numbers": "mean", "text": "constant", "text_value": "unknown"},
    ),
    ("preprocessing.normalizer", {"method": "zscore"}),
    ("preprocessing.normalizer", {"method": "robust"}),
    ("preprocessing.category_encoder", {"method": "one_hot", "unseen": "reserved"}),
    ("preprocessing.category_encoder", {"method": "ordinal"}),
    ("preprocessing.feature_selection", {"max_correlation": 0.8}),
]
IDS = [f"{t.split('.')[1]}-{i}" for i, (t, _) in enumerate(CASES)]


def _split(table: Table) -> tuple[Table, Table]:
    train, test, _ = run_node(
        "validation.partitioning", [table], method="random", train_fraction=0.7, seed=3
    )
    return train, test


@pytest.mark.parametrize(("type_id", "settings"), CASES, ids=IDS)
def test_apply_transform_on_the_training_rows_equals_the_nodes_own_output(
    penguins, type_id, settings
):
    train, _ = _split(penguins)
    out, transform = run_node(type_id, [train], **settings)
    (again,) = run_node("preprocessing.apply_transform", [transform, train])
    pd.testing.assert_frame_equal(again.df, out.df)
    assert again.roles == out.roles == {"species": "target"}


@pytest.mark.parametrize(("type_id", "settings"), CASES, ids=IDS)
def test_transform_fitted_on_train_gives_each_test_row_the_same_result_alone_or_in_a_batch(
    penguins, type_id, settings
):
    train, test = _split(penguins)
    _, transform = run_node(type_id, [train], **settings)
    (batch,) = run_node("preprocessing.apply_transform", [transform, test])
    assert len(batch) == len(test)
    for i in (0, 7, len(test) - 1):
        (one,) = run_node(
            "preprocessing.apply_transform", [transform, test.with_df(test.df.iloc[[i]])]
        )
        pd.testing.assert_frame_equal(one.df, batch.df.iloc[[i]], check_dtype=False)


@pytest.mark.parametrize(("type_id", "settings"), CASES, ids=IDS)
def test_fitted_state_round_trips_through_skops_and_still_applies(penguins, type_id, settings):
    train, test = _split(penguins)
    _, transform = run_node(type_id, [train], **settings)
    data = sio.dumps(transform.state)
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    frozen = Transform(
        transform.kind, transform.input_columns, loaded, transform.node_type, transform.settings
    )
    (a,) = run_node("preprocessing.apply_transform", [transform, test])
    (b,) = run_node("preprocessing.apply_transform", [frozen, test])
    pd.testing.assert_frame_equal(a.df, b.df)


def test_missing_columns_error_names_the_columns_and_the_node_that_fitted_the_transform(
    penguins_clean,
):
    node_type = default_catalog().get("preprocessing.normalizer")
    node, s = node_type(), node_type.validate_settings({})
    ctx = ExecutionContext("n1", "Scale train rows")
    _, transform = node.apply(s, node.fit(s, [penguins_clean], ctx), [penguins_clean], ctx)
    lacking = penguins_clean.with_df(
        penguins_clean.df.drop(columns=["bill_depth_mm", "body_mass_g"])
    )
    apply_type = default_catalog().get("preprocessing.apply_transform")
    with pytest.raises(NodeExecutionError) as err:
        apply_type().execute(
            apply_type.validate_settings({}),
            [transform, lacking],
            ExecutionContext("n2", "Scale test", catalog=default_catalog()),
        )
    msg = str(err.value)
    assert "'bill_depth_mm'" in msg and "'body_mass_g'" in msg
    assert "Scale train rows" in msg and "Normalizer" in msg
    assert "'bill_length_mm'" not in msg
    with pytest.raises(ConfigureError, match="'bill_depth_mm', 'body_mass_g'.*Normalizer"):
        run_node("preprocessing.apply_transform", [transform, lacking])


def test_missing_columns_are_reported_at_configure_time_before_anything_runs(penguins_clean):
    node_type = default_catalog().get("preprocessing.category_encoder")
    s = node_type.validate_settings({})
    _, tspec = node_type().configure(
        s, [penguins_clean.spec()], ExecutionContext(catalog=default_catalog())
    )
    assert isinstance(tspec, TransformSpec) and tspec.input_columns == ("island", "sex")
    lacking = penguins_clean.with_df(penguins_clean.df.drop(columns=["sex"])).spec()
    apply_type = default_catalog().get("preprocessing.apply_transform")
    with pytest.raises(ConfigureError) as err:
        apply_type().configure(
            apply_type.validate_settings({}),
            [tspec, lacking],
            ExecutionContext(catalog=default_catalog()),
        )
    assert "'sex'" in err.value.message and "Category Encoder" in err.value.message
    assert err.value.where == "input port 'table'"


def test_apply_transform_configure_propagates_the_fitting_nodes_output_spec(penguins_clean):
    df = penguins_clean.df.astype({"island": "category", "sex": "category"})
    table = Table(df, {"species": "target"})
    enc = default_catalog().get("preprocessing.category_encoder")
    out_spec, tspec = enc().configure(
        enc.validate_settings({}), [table.spec()], ExecutionContext(catalog=default_catalog())
    )
    apply_type = default_catalog().get("preprocessing.apply_transform")
    (applied,) = apply_type().configure(
        apply_type.validate_settings({}),
        [tspec, table.spec()],
        ExecutionContext(catalog=default_catalog()),
    )
    assert applied.names == out_spec.names
    assert "island_Dream" in applied.names and "island" not in applied.names


def test_a_transform_from_an_unknown_node_type_is_refused_with_its_name(penguins_clean):
    alien = Transform(
        "mystery", ["bill_length_mm"], {"columns": ["bill_length_mm"]}, "thirdparty.mystery", {}
    )
    with pytest.raises(ConfigureError, match="unknown node type 'thirdparty.mystery'"):
        run_node("preprocessing.apply_transform", [alien, penguins_clean])
    apply_type = default_catalog().get("preprocessing.apply_transform")
    with pytest.raises(NodeExecutionError, match="unknown node type 'thirdparty.mystery'"):
        apply_type().execute(
            apply_type.validate_settings({}),
            [alien, penguins_clean],
            ExecutionContext(catalog=default_catalog()),
        )


def test_workflow_fits_on_train_and_applies_to_test_with_specs_known_before_running(tmp_path):
    wf = Workflow.new("prep")
    reader = wf.add_node(
        "io.csv_reader",
        settings={"path": str(ROOT / "workspace_templates" / "penguins" / "penguins.csv")},
    )
    split = wf.add_node("validation.partitioning", settings={"method": "random", "seed": 1})
    fill = wf.add_node("preprocessing.missing_value", "Fill train")
    enc = wf.add_node(
        "preprocessing.category_encoder", settings={"columns": ["island", "sex", "species"]}
    )
    fill_test = wf.add_node("preprocessing.apply_transform", "Fill test")
    enc_test = wf.add_node("preprocessing.apply_transform", "Encode test")
    wf.connect(reader.id, 0, split.id, 0)
    wf.connect(split.id, "train", fill.id, 0)
    wf.connect(fill.id, "table", enc.id, 0)
    wf.connect(fill.id, "transform", fill_test.id, "transform")
    wf.connect(split.id, "test", fill_test.id, "table")
    wf.connect(enc.id, "transform", enc_test.id, "transform")
    wf.connect(fill_test.id, 0, enc_test.id, "table")
    report = wf.configure()
    assert report.ok, report.problems()
    assert report.output_specs(fill_test.id)[0].names == report.output_specs(fill.id)[0].names
    result = wf.run()
    assert result.ok, result.errors
    test_out = result.output(fill_test.id)
    assert test_out.df.isna().sum().sum() == 0
    fills = result.fitted(fill.id)["fills"]
    train_rows = result.output(split.id, "train").df
    assert fills["bill_length_mm"] == pytest.approx(float(train_rows["bill_length_mm"].median()))
    encoded = result.output(enc_test.id).df
    assert list(encoded.columns) == list(result.output(enc.id).df.columns)
    assert np.all(encoded.filter(like="species_").sum(axis=1) == 1)
