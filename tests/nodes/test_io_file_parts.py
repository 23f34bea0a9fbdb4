"""CSV and Parquet Readers over a glob or a folder of files: one table, in name order."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.core import ConfigureError, NodeExecutionError
from tests.conftest import run_node


def _split(df: pd.DataFrame, folder, suffix: str, n: int = 3) -> None:
    folder.mkdir(exist_ok=True)
    size = -(-len(df) // n)
    for i in range(n):
        part = df.iloc[i * size : (i + 1) * size]
        if suffix == ".csv":
            part.to_csv(folder / f"part-{i}.csv", index=False)
        else:
            part.to_parquet(folder / f"part-{i}.parquet", index=False)


def test_csv_reader_stacks_a_folder_of_parts_in_name_order(tmp_path, penguins_df):
    _split(penguins_df, tmp_path / "parts", ".csv")
    (table,) = run_node("io.csv_reader", [], path=str(tmp_path / "parts"))
    whole = pd.read_csv(tmp_path / "parts" / "part-0.csv")
    assert len(table.df) == len(penguins_df)
    pd.testing.assert_frame_equal(table.df.head(len(whole)), whole)
    assert list(table.df["species"]) == list(penguins_df["species"])


def test_parquet_reader_reads_the_files_a_glob_matches(tmp_path, penguins_df):
    _split(penguins_df, tmp_path / "parts", ".parquet")
    (tmp_path / "parts" / "notes.txt").write_text("not data")
    (table,) = run_node("io.parquet_reader", [], path=str(tmp_path / "parts" / "part-*.parquet"))
    pd.testing.assert_frame_equal(table.df, penguins_df)


def test_a_glob_matching_nothing_is_a_configure_error_on_path(tmp_path):
    with pytest.raises(ConfigureError, match="no file matches this pattern") as err:
        run_node("io.csv_reader", [], path=str(tmp_path / "2024-*.csv"))
    assert err.value.where == "path"


def test_a_folder_without_parquet_files_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigureError, match=r"the folder has no \.parquet, \.pq file"):
        run_node("io.parquet_reader", [], path=str(tmp_path / "empty"))


def test_a_glob_matching_another_format_names_the_odd_file(tmp_path, penguins_df):
    _split(penguins_df, tmp_path / "parts", ".csv", n=2)
    (tmp_path / "parts" / "readme.md").write_text("# parts")
    with pytest.raises(ConfigureError, match=r"readme\.md is not a \.csv, \.tsv, \.txt file"):
        run_node("io.csv_reader", [], path=str(tmp_path / "parts" / "*"))


def test_parts_with_different_columns_are_refused_naming_the_part(tmp_path, penguins_df):
    _split(penguins_df, tmp_path / "parts", ".csv", n=2)
    pd.read_csv(tmp_path / "parts" / "part-1.csv").drop(columns=["year"]).to_csv(
        tmp_path / "parts" / "part-1.csv", index=False
    )
    with pytest.raises(NodeExecutionError, match=r"part-1\.csv has the columns") as err:
        run_node("io.csv_reader", [], path=str(tmp_path / "parts"))
    assert err.value.where == "path"
