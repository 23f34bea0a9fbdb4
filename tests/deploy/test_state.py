"""Every learner and fitted preprocessing node of the library freezes into skops and
thaws under the loader's trust list, predicting exactly as before."""

from __future__ import annotations

import numpy as np
import pytest

from studio.core import Model, Table, Transform, default_catalog
from studio.deploy.state import dump_value, load_value

from .conftest import FEATURES

LEARNERS = sorted(t.type_id for t in default_catalog().all() if t.type_id.startswith("learners."))
PREPROCESSORS = sorted(
    t.type_id
    for t in default_catalog().all()
    if t.type_id.startswith("preprocessing.")
    and t.stateful
    and t.type_id != "preprocessing.apply_transform"
)


def _roundtrip(value, stem="x"):
    desc, files = dump_value(value, stem, "test value")
    assert all(name.startswith("state/") for name in files)
    return load_value(desc, files)


@pytest.mark.parametrize("type_id", LEARNERS)
def test_every_learner_model_survives_the_bundle_round_trip(
    type_id, node_runner, penguins_clean, diabetes_df
):
    task = default_catalog().get(type_id).task
    if task == "regression":
        table, settings = Table(diabetes_df.head(150), {"target": "target"}), {"target": "target"}
    else:
        table, settings = (
            Table(penguins_clean.df[[*FEATURES, "species"]].head(200), {"species": "target"}),
            {},
        )
    if task == "clustering":
        table, settings = Table(penguins_clean.df[FEATURES].head(200)), {}
    model = node_runner(type_id, [table], **settings)[0]
    thawed = _roundtrip(model)
    assert (
        isinstance(thawed, Model)
        and thawed.features == model.features
        and thawed.classes == model.classes
    )
    X = table.df[model.features]
    assert np.array_equal(
        np.asarray(thawed.estimator.predict(X)), np.asarray(model.estimator.predict(X))
    )


@pytest.mark.parametrize("type_id", PREPROCESSORS)
def test_every_fitted_preprocessing_state_survives_the_bundle_round_trip(
    type_id, node_runner, penguins
):
    table = Table(penguins.df.head(120), {"species": "target"})
    node_type = default_catalog().get(type_id)
    settings = {"target": "species"} if "target" in node_type.Settings.model_fields else {}
    outputs = node_runner(type_id, [table], **settings)
    transform = next(v for v in outputs if isinstance(v, Transform))
    thawed = _roundtrip(transform)
    s = node_type.validate_settings(thawed.settings)
    again = node_type().apply(s, thawed.state, [table], None)[0]
    expected = outputs[0].df
    assert list(again.df.columns) == list(expected.columns)
    assert again.df.equals(expected)


def test_tables_keep_dtypes_and_roles_through_the_round_trip(penguins):
    df = penguins.df.head(20).assign(island=lambda d: d["island"].astype("category"))
    thawed = _roundtrip(Table(df, {"species": "target"}))
    assert thawed.roles == {"species": "target"}
    assert list(thawed.df.dtypes) == list(df.dtypes) and thawed.df.equals(df)
