"""Port viewers: a lazy table model that stays fast on a million rows, sorting,
column statistics, metrics, figures and model summaries."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt

from studio.core import Figure, Metrics, Table
from studio.gui.viewers import make_viewer
from studio.gui.viewers.column_stats import column_stats
from studio.gui.viewers.figure_viewer import FigureViewer
from studio.gui.viewers.metrics_viewer import MetricsViewer
from studio.gui.viewers.model_viewer import ModelViewer
from studio.gui.viewers.table_model import DataFrameModel
from studio.gui.viewers.table_viewer import TableViewer


def test_a_million_row_table_is_shown_through_a_lazy_model_and_sorts_by_a_header_click(qtbot):
    n = 1_000_000
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "id": np.arange(n),
            "x": rng.normal(size=n),
            "group": np.where(np.arange(n) % 3 == 0, "a", "b"),
        }
    )
    viewer = TableViewer(Table(df, {"id": "id"}))
    qtbot.addWidget(viewer)
    viewer.show()
    model = viewer.model
    assert model.rowCount() == n and model.columnCount() == 3
    assert viewer.summary.text() == "1,000,000 rows × 3 columns"
    header = viewer.view.horizontalHeader()
    qtbot.mouseClick(header.viewport(), Qt.LeftButton, pos=_section_point(header, 1))
    first = float(model.data(model.index(0, 1)))
    assert first == float(f"{df['x'].min():.6g}")
    assert model.headerData(0, Qt.Vertical) == str(int(df["x"].idxmin()))
    # Statistics of the clicked column.
    stats = dict(
        (viewer.stats.item(i, 0).text(), viewer.stats.item(i, 1).text())
        for i in range(viewer.stats.rowCount())
    )
    assert stats["rows"] == "1,000,000" and float(stats["min"]) == float(f"{df['x'].min():.6g}")


def _section_point(header, section):
    from PySide6.QtCore import QPoint

    return QPoint(
        header.sectionViewportPosition(section) + header.sectionSize(section) // 2,
        header.height() // 2,
    )


def test_sorting_puts_missing_values_last_and_descending_reverses(qtbot):
    model = DataFrameModel(pd.DataFrame({"v": [3.0, None, 1.0, 2.0]}))
    model.sort(0, Qt.AscendingOrder)
    assert [model.data(model.index(r, 0)) for r in range(4)] == ["1", "2", "3", "?"]
    model.sort(0, Qt.DescendingOrder)
    assert [model.data(model.index(r, 0)) for r in range(4)] == ["3", "2", "1", "?"]


def test_column_statistics_describe_numbers_and_count_categories():
    numeric = dict(column_stats(pd.Series([1.0, 2.0, None, 4.0])))
    assert numeric["missing"] == "1" and numeric["mean"] == "2.33333" and numeric["max"] == "4"
    text = dict(column_stats(pd.Series(["a", "b", "a"])))
    assert text["distinct"] == "2" and text["“a”"] == "2"


def test_metrics_viewer_lists_scalars_and_the_confusion_matrix(qtbot):
    metrics = Metrics(
        {
            "accuracy": 0.9,
            "labels": ["x", "y"],
            "confusion_matrix": [[4, 1], [0, 5]],
            "task": "classification",
        },
        "Scorer",
    )
    viewer = make_viewer(metrics)
    qtbot.addWidget(viewer)
    assert isinstance(viewer, MetricsViewer)
    rows = {
        viewer.table.item(i, 0).text(): viewer.table.item(i, 1).text()
        for i in range(viewer.table.rowCount())
    }
    assert rows == {"accuracy": "0.9000", "task": "classification"}


def test_figure_viewer_shows_the_png(qtbot):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5), dpi=50)
    ax.plot([0, 1], [0, 1])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    viewer = make_viewer(Figure(buf.getvalue(), "ROC"))
    qtbot.addWidget(viewer)
    assert isinstance(viewer, FigureViewer)
    assert (viewer.pixmap.width(), viewer.pixmap.height()) == (100, 75)


def test_model_viewer_summarises_target_features_and_training_metrics(
    qtbot, penguins_clean, node_runner
):
    model = node_runner(
        "learners.logistic_regression",
        [penguins_clean],
        features=["bill_length_mm", "flipper_length_mm"],
    )[0]
    viewer = make_viewer(model)
    qtbot.addWidget(viewer)
    assert isinstance(viewer, ModelViewer)
    text = viewer.text.toPlainText()
    assert (
        "LogisticRegression" in text
        and "species" in text
        and "flipper_length_mm" in text
        and "accuracy" in text
    )
