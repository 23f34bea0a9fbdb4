"""Partitioning's default (stratified on the target) works for a regression target: a
numeric column with many values is stratified on its deciles, not refused at run time."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.core import ConfigureError, Table, Workflow
from tests.conftest import run_node


def test_the_default_split_of_an_integer_regression_target_keeps_its_deciles(diabetes_df):
    df = diabetes_df.assign(target=diabetes_df["target"].round().astype("int64"))
    table = Table(df, {"target": "target"})
    train, test, _ = run_node("validation.partitioning", [table])  # stratified on the target
    assert len(train) + len(test) == len(df)
    deciles = pd.qcut(df["target"].rank(method="first"), 10, labels=False)
    in_test = deciles.loc[test.df.index].value_counts()
    assert in_test.min() >= 12 and in_test.max() <= 15  # 133 test rows, ~13 per decile


def test_a_numeric_class_code_is_still_stratified_by_class(penguins_clean):
    codes = penguins_clean.df["species"].map({"Adelie": 0, "Chinstrap": 1, "Gentoo": 2})
    table = Table(penguins_clean.df.assign(species=codes), {"species": "target"})
    train, test, _ = run_node("validation.partitioning", [table])
    share = lambda t: t.df["species"].value_counts(normalize=True).sort_index()  # noqa: E731
    assert (share(train) - share(test)).abs().max() < 0.02


def test_stratifying_on_a_date_column_is_refused_while_wiring(tmp_path):
    csv = tmp_path / "dated.csv"
    pd.DataFrame({"day": pd.date_range("2024-01-01", periods=30), "y": range(30)}).to_csv(
        csv, index=False
    )
    wf = Workflow.new()
    read = wf.add_node("io.csv_reader", settings={"path": str(csv), "date_columns": ["day"]})
    split = wf.add_node("validation.partitioning", settings={"column": "day"})
    wf.connect(read.id, 0, split.id, 0)
    report = wf.configure()
    assert not report.ok
    assert "cannot stratify on the date/time column 'day'" in report.problems()[0]


def test_validate_says_ok_and_run_succeeds_for_a_stratified_regression_split(tmp_path, diabetes_df):
    csv = tmp_path / "prices.csv"
    diabetes_df.assign(target=diabetes_df["target"].round().astype("int64")).to_csv(
        csv, index=False
    )
    wf = Workflow.new()
    read = wf.add_node("io.csv_reader", settings={"path": str(csv)})
    roles = wf.add_node("manipulation.column_roles", settings={"target": "target"})
    split = wf.add_node("validation.partitioning")
    learn = wf.add_node("learners.ridge_regression")
    wf.connect(read.id, 0, roles.id, 0)
    wf.connect(roles.id, 0, split.id, 0)
    wf.connect(split.id, "train", learn.id, 0)
    assert wf.configure().ok
    result = wf.run()
    assert result.ok, result.errors


@pytest.mark.parametrize("method", ["grouped", "time"])
def test_methods_that_need_a_column_still_say_so(penguins_clean, method):
    with pytest.raises(ConfigureError, match="needs a column"):
        run_node("validation.partitioning", [penguins_clean], method=method)
