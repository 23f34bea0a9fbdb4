"""Parquet, Excel and Table Creator nodes on real data and real files."""

from __future__ import annotations

import pandas as pd
import pytest

from studio.core import ConfigureError, ExecutionContext, NodeExecutionError, default_catalog
from tests.conftest import run_node


def test_parquet_round_trip_keeps_values_types_and_roles(tmp_path, penguins):
    path = tmp_path / "penguins.parquet"
    run_node("io.parquet_writer", [penguins], path=str(path))
    (back,) = run_node("io.parquet_reader", [], path=str(path))
    pd.testing.assert_frame_equal(back.df, penguins.df)
    assert back.roles == {"species": "target"}


def test_parquet_reader_configure_gives_spec_without_reading_rows(tmp_path, penguins):
    path = tmp_path / "p.parquet"
    run_node("io.parquet_writer", [penguins], path=str(path))
    node_type = default_catalog().get("io.parquet_reader")
    s = node_type.validate_settings({"path": str(path), "columns": ["species", "bill_length_mm"]})
    (spec,) = node_type().configure(s, [], ExecutionContext(catalog=default_catalog()))
    assert spec.names == ["species", "bill_length_mm"]
    assert spec.column("bill_length_mm").dtype == "number"
    assert spec.role_of("species") == "target"


def test_parquet_reader_names_missing_columns(tmp_path, penguins):
    path = tmp_path / "p.parquet"
    run_node("io.parquet_writer", [penguins], path=str(path))
    with pytest.raises(ConfigureError, match="'wingspan'") as err:
        run_node("io.parquet_reader", [], path=str(path), columns=["wingspan"])
    assert err.value.where == "columns"


def test_parquet_reader_refuses_a_file_that_is_not_parquet(tmp_path):
    path = tmp_path / "fake.parquet"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ConfigureError, match="not a readable Parquet file"):
        run_node("io.parquet_reader", [], path=str(path))


def test_parquet_writer_with_overwrite_off_keeps_the_existing_file(tmp_path, penguins):
    path = tmp_path / "p.parquet"
    path.write_bytes(b"old")
    with pytest.raises(NodeExecutionError, match="overwrite"):
        run_node("io.parquet_writer", [penguins], path=str(path), overwrite=False)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["p.parquet"]  # no temp file left behind


def test_parquet_writer_relative_path_lands_in_the_workflow_folder(tmp_path, penguins):
    run_node(
        "io.parquet_writer",
        [penguins],
        base_dir=str(tmp_path),
        path="out/p.parquet",
        compression="zstd",
    )
    assert (tmp_path / "out" / "p.parquet").is_file()


def test_excel_reader_reads_the_chosen_sheet(tmp_path, penguins_df, breast_cancer_df):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        penguins_df.head(30).to_excel(xw, sheet_name="penguins", index=False)
        breast_cancer_df.head(20).to_excel(xw, sheet_name="cancer", index=False)
    (first,) = run_node("io.excel_reader", [], path=str(path))
    (cancer,) = run_node("io.excel_reader", [], path=str(path), sheet="cancer")
    assert list(first.df.columns) == list(penguins_df.columns)
    assert len(cancer.df) == 20
    assert cancer.df["mean radius"].tolist() == pytest.approx(
        breast_cancer_df["mean radius"].head(20).tolist()
    )


def test_excel_reader_unknown_sheet_lists_the_sheets(tmp_path, penguins_df):
    path = tmp_path / "book.xlsx"
    penguins_df.head(5).to_excel(path, sheet_name="data", index=False)
    with pytest.raises(ConfigureError, match="sheets: data") as err:
        run_node("io.excel_reader", [], path=str(path), sheet="Sheet9")
    assert err.value.where == "sheet"


def test_excel_reader_without_header_numbers_the_columns(tmp_path):
    path = tmp_path / "raw.xlsx"
    pd.DataFrame([[1, "a"], [2, "b"]]).to_excel(path, index=False, header=False)
    (t,) = run_node("io.excel_reader", [], path=str(path), header=False)
    assert list(t.df.columns) == ["column_1", "column_2"]
    assert t.df["column_1"].tolist() == [1, 2]


def test_table_creator_from_csv_text_guesses_types():
    (t,) = run_node(
        "io.table_creator", [], csv_text="name,age,member\nAda,36,true\nAlan, 41,false\n"
    )
    assert t.df["age"].tolist() == [36, 41]
    assert t.spec().column("age").dtype == "integer"
    assert t.spec().column("member").dtype == "boolean"
    assert t.df["name"].tolist() == ["Ada", "Alan"]


def test_table_creator_from_columns_and_rows():
    (t,) = run_node(
        "io.table_creator", [], source="rows", columns=["k", "v"], rows=[["a", 1.5], ["b", 2]]
    )
    assert t.df.to_dict("list") == {"k": ["a", "b"], "v": [1.5, 2.0]}


def test_table_creator_row_with_wrong_length_is_a_configure_error():
    with pytest.raises(ConfigureError, match="row 2 has 1 values for 2 columns") as err:
        run_node("io.table_creator", [], source="rows", columns=["k", "v"], rows=[["a", 1], ["b"]])
    assert err.value.where == "rows"


def test_table_creator_empty_csv_text_names_the_setting():
    with pytest.raises(ConfigureError) as err:
        run_node("io.table_creator", [], csv_text="  ")
    assert err.value.where == "csv_text"


def test_excel_reader_refuses_a_file_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("species,island\nAdelie,Dream\n")
    with pytest.raises(ConfigureError, match="not a readable .xlsx workbook") as err:
        run_node("io.excel_reader", [], path=str(path))
    assert err.value.where == "path"
