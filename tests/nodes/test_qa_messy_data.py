"""Messy real-world data an analyst feeds the nodes: each case ends in a correct result or
a message naming the column, class or setting at fault and what to do — never a bare
pandas/scikit-learn message."""

from __future__ import annotations

import sqlite3

import numpy as np
import pandas as pd
import pytest

from studio.core import ConfigureError, NodeExecutionError, Table
from tests.conftest import run_node


def _binary(n: int = 40, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return pd.DataFrame({"x": x, "y": np.where(x + rng.normal(size=n) > 0, "a", "b")})


def test_an_all_missing_feature_column_is_named_even_for_gradient_boosting():
    t = Table(_binary().assign(empty=np.nan))
    with pytest.raises(NodeExecutionError, match="'empty' have no values at all") as err:
        run_node("learners.gradient_boosting_classifier", [t], target="y")
    assert "window shape" not in str(err.value)


def test_a_date_feature_reaching_a_learner_is_named_as_a_date_not_a_category():
    df = _binary().assign(when=pd.date_range("2021-01-01", periods=40))
    with pytest.raises(ConfigureError, match="date/time feature column.*'when'") as err:
        run_node("learners.logistic_regression", [Table(df)], target="y")
    assert err.value.where == "features"
    assert "Category Encoder" not in str(err.value)


def test_scorer_says_why_roc_auc_is_missing_when_the_truth_has_a_class_the_model_never_saw():
    df = pd.DataFrame(
        {
            "y": ["a", "b", "c", "a"],
            "prediction": ["a", "b", "b", "a"],
            "probability_a": [0.9, 0.2, 0.4, 0.8],
            "probability_b": [0.1, 0.8, 0.6, 0.2],
        }
    )
    metrics = run_node("scoring.scorer", [Table(df)], truth_column="y")[0].values
    assert "roc_auc" not in metrics
    assert "'c'" in metrics["note"] and "roc_auc" in metrics["note"]
    assert metrics["labels"] == ["a", "b", "c"]


def test_scorer_has_no_note_when_every_class_has_a_probability_column():
    df = pd.DataFrame(
        {
            "y": [0, 1, 1, 0],
            "prediction": [0, 1, 0, 0],
            "probability_0": [0.9, 0.2, 0.6, 0.7],
            "probability_1": [0.1, 0.8, 0.4, 0.3],
        }
    )
    metrics = run_node("scoring.scorer", [Table(df)], truth_column="y")[0].values
    assert "note" not in metrics and metrics["roc_auc"] == 1.0


def test_joiner_key_validation_names_the_side_and_the_repeated_key_values():
    left = Table(pd.DataFrame({"k": ["a", "a", "b"], "v": [1, 2, 3]}))
    right = Table(pd.DataFrame({"k": ["a", "b"], "w": [10, 20]}))
    with pytest.raises(NodeExecutionError) as err:
        run_node(
            "manipulation.joiner",
            [left, right],
            left_keys=["k"],
            right_keys=["k"],
            validate_keys="one_to_one",
        )
    msg = str(err.value)
    assert "1 key value(s) repeat in the left table (e.g. 'a')" in msg
    assert "right table" not in msg and "Duplicates in" not in msg


def test_stratified_partitioning_names_a_singleton_class():
    df = pd.DataFrame({"x": range(12), "y": ["a"] * 6 + ["b"] * 5 + ["c"]})
    with pytest.raises(NodeExecutionError, match=r"'c' \(1 row\) have fewer than 2 rows") as err:
        run_node("validation.partitioning", [Table(df)], column="y")
    assert "least populated" not in str(err.value)


def test_random_partitioning_of_a_tiny_table_does_not_blame_stratification():
    df = pd.DataFrame({"x": range(4), "y": ["a", "b"] * 2})
    with pytest.raises(NodeExecutionError, match="cannot split 4 rows") as err:
        run_node("validation.partitioning", [Table(df)], method="random", validation_fraction=0.2)
    assert "stratify" not in str(err.value) and "n_samples" not in str(err.value)


def test_stratified_cross_validation_names_the_class_with_fewer_rows_than_folds():
    table = Table(_binary(n=9, seed=3))
    counts = table.df["y"].value_counts()
    model = run_node("learners.logistic_regression", [table], target="y")[0]
    with pytest.raises(NodeExecutionError, match=f"at most {counts.min()}") as err:
        run_node("validation.cross_validation", [model, table], folds=counts.min() + 1)
    assert repr(counts.idxmin()) in str(err.value)
    assert "n_splits" not in str(err.value)


@pytest.fixture
def sqlite_file(tmp_path):
    path = tmp_path / "shop.sqlite"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE t (a INTEGER)")
        con.executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    return path


def _rows(path) -> int:
    with sqlite3.connect(path) as con:
        return con.execute("SELECT count(*) FROM t").fetchone()[0]


def test_sql_reader_refuses_a_statement_that_writes_before_running_it(sqlite_file):
    with pytest.raises(ConfigureError, match="only reads.*'DROP'") as err:
        run_node("io.sql_reader", [], url=f"sqlite:///{sqlite_file}", query="DROP TABLE t")
    assert err.value.where == "query"
    assert _rows(sqlite_file) == 2


def test_sql_reader_cannot_change_the_database_through_a_with_prefixed_delete(sqlite_file):
    with pytest.raises(NodeExecutionError, match="only reads.*nothing was changed"):
        run_node(
            "io.sql_reader",
            [],
            url=f"sqlite:///{sqlite_file}",
            query="WITH x AS (SELECT 1) DELETE FROM t",
        )
    assert _rows(sqlite_file) == 2


def test_sql_reader_still_reads_a_query_after_a_comment(sqlite_file):
    out = run_node(
        "io.sql_reader", [], url=f"sqlite:///{sqlite_file}", query="-- totals\nSELECT a FROM t"
    )
    assert out[0].df["a"].tolist() == [1, 2]


@pytest.fixture
def fitted():
    table = Table(_binary())
    return table, run_node("learners.logistic_regression", [table], target="y")[0]


def test_predictor_names_the_feature_with_missing_values(fitted):
    table, model = fitted
    gappy = table.with_df(
        table.df.assign(x=np.where(table.df.index % 2 == 0, np.nan, table.df["x"]))
    )
    with pytest.raises(NodeExecutionError, match="missing values in feature column.*'x'") as err:
        run_node("scoring.predictor", [model, gappy])
    assert "Input X contains NaN" not in str(err.value)


def test_predictor_names_a_feature_that_arrives_as_text(fitted):
    table, model = fitted
    text = table.with_df(table.df.assign(x=table.df["x"].map("{:.2f} cm".format)))
    with pytest.raises(NodeExecutionError, match="feature column.*'x' hold text") as err:
        run_node("scoring.predictor", [model, text])
    assert "could not convert" not in str(err.value)


def test_predictor_on_an_empty_table_keeps_the_probability_columns(fitted):
    table, model = fitted
    out = run_node("scoring.predictor", [model, table.with_df(table.df.iloc[:0])])[0]
    assert list(out.df.columns)[-3:] == ["prediction", "probability_a", "probability_b"]
    assert len(out.df) == 0


@pytest.mark.parametrize(
    "truth, prediction",
    [(list(np.linspace(0, 1, 30)), [np.nan, *np.linspace(0, 1, 29)]), (["a", "b"], ["a", None])],
)
def test_scorer_names_missing_predictions_instead_of_failing_inside_scikit_learn(truth, prediction):
    df = pd.DataFrame({"y": truth, "prediction": prediction})
    with pytest.raises(NodeExecutionError, match="prediction column 'prediction' has 1 missing"):
        run_node("scoring.scorer", [Table(df)], truth_column="y")


def test_sorter_names_a_column_mixing_numbers_and_text():
    df = pd.DataFrame({"code": ["a", 1, "b", 2], "n": [1, 2, 3, 4]})
    with pytest.raises(NodeExecutionError, match="'code' mix numbers and text"):
        run_node("manipulation.sorter", [Table(df)], keys=[{"column": "code"}])
