"""CSV Reader on the files users really have: decimal commas, empty files, broken rows."""

from __future__ import annotations

import pytest

from studio.core import ConfigureError


def test_decimal_commas_with_semicolons_read_as_numbers(tmp_path, node_runner):
    path = tmp_path / "eu.csv"
    path.write_text("name;price\nA;1,5\nB;2,25\n", encoding="latin-1")
    table = node_runner(
        "io.csv_reader", [], path=str(path), delimiter=";", decimal=",", encoding="latin-1"
    )[0]
    assert table.df["price"].tolist() == [1.5, 2.25]


def test_an_empty_file_says_so_naming_the_path_setting(tmp_path, node_runner):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ConfigureError, match="is empty: it has no header and no rows") as info:
        node_runner("io.csv_reader", [], path=str(path))
    assert info.value.where == "path"


def test_a_row_with_too_many_fields_points_at_the_delimiter(tmp_path, node_runner):
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n3,4,5,6\n")
    with pytest.raises(
        ConfigureError, match="malformed CSV \\(check the delimiter and quoting\\)"
    ) as info:
        node_runner("io.csv_reader", [], path=str(path))
    assert info.value.where == "delimiter"
