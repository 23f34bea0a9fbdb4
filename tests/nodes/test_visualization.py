"""Scatter Plot, Histogram and Box Plot on real penguins rows: what they draw, and the
settings they refuse before running."""

from __future__ import annotations

import numpy as np
import pytest

from studio.core import ConfigureError, Figure, NodeExecutionError, Table
from tests.conftest import run_node

from .test_figures_scoring import assert_png


def _axes(figure: Figure):
    return figure.drawing.axes


def test_scatter_plot_draws_every_complete_row_once_per_colour_class(penguins):
    (figure,) = run_node(
        "visualization.scatter_plot",
        [penguins],
        x="bill_length_mm",
        y="flipper_length_mm",
        color="species",
    )
    assert_png(figure)
    ax = _axes(figure)[0]
    sizes = {c.get_label(): len(c.get_offsets()) for c in ax.collections}
    complete = penguins.df.dropna(subset=["bill_length_mm", "flipper_length_mm"])
    assert sizes == complete["species"].value_counts().to_dict()
    assert ax.get_xlabel() == "bill_length_mm" and ax.get_ylabel() == "flipper_length_mm"


def test_scatter_plot_refuses_a_text_axis_before_running(penguins):
    with pytest.raises(ConfigureError, match="'island' hold string values") as info:
        run_node("visualization.scatter_plot", [penguins], x="island", y="body_mass_g")
    assert info.value.where == "x"


def test_scatter_plot_without_an_axis_lists_the_numeric_columns(penguins):
    with pytest.raises(ConfigureError, match="numeric columns: bill_length_mm") as info:
        run_node("visualization.scatter_plot", [penguins], y="body_mass_g")
    assert info.value.where == "x"


def test_histogram_counts_match_numpy_and_name_the_rows_left_out(penguins):
    (figure,) = run_node("visualization.histogram", [penguins], column="body_mass_g", bins=12)
    assert_png(figure)
    values = penguins.df["body_mass_g"].dropna().to_numpy()
    expected, _ = np.histogram(values, bins=12)
    heights = [p.get_height() for p in _axes(figure)[0].patches]
    assert heights == expected.tolist()


def test_histogram_per_group_draws_one_outline_per_class(penguins):
    (figure,) = run_node(
        "visualization.histogram", [penguins], column="body_mass_g", group="species"
    )
    labels = [p.get_label() for p in _axes(figure)[0].patches if not p.get_label().startswith("_")]
    assert labels == ["Adelie", "Chinstrap", "Gentoo"]


def test_box_plot_medians_match_pandas_per_group(penguins):
    (figure,) = run_node(
        "visualization.box_plot", [penguins], columns=["body_mass_g", "bill_depth_mm"], group="sex"
    )
    assert_png(figure)
    ax = _axes(figure)[0]
    assert ax.get_title() == "body_mass_g"
    medians = [line.get_ydata()[0] for line in ax.lines if line.get_color() in ("C1", "#ff7f0e")]
    expected = penguins.df.groupby(penguins.df["sex"].fillna("?"))["body_mass_g"].median()
    assert medians == pytest.approx([expected[k] for k in sorted(expected.index)])


def test_box_plot_defaults_to_the_numeric_feature_columns(penguins):
    (figure,) = run_node("visualization.box_plot", [penguins])
    labels = [t.get_text() for t in _axes(figure)[0].get_xticklabels()]
    assert labels == ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]


def test_grouping_by_a_column_with_too_many_values_says_how_to_fix_it(penguins):
    many = Table(penguins.df.assign(row=range(len(penguins.df))), penguins.roles)
    with pytest.raises(NodeExecutionError, match="'row' has 342 distinct values.*Binner") as info:
        run_node("visualization.histogram", [many], column="body_mass_g", group="row")
    assert info.value.where == "group"
