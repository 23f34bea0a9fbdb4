"""The first hour: a template opens readable, an empty canvas says what to do, Help opens
the guide, templates come with a picture; results read well (validation verdicts in
colour, a model summary in words, interactive figures, "?" for gaps, typed headers) in
viewer windows that behave; the canvas and console follow the palette; geometry stays."""

from __future__ import annotations

import pandas as pd
from matplotlib.backend_bases import MouseEvent
from PySide6.QtCore import QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from studio.core import Metrics, Model, Table
from studio.gui.guide import COMMANDS, README
from studio.gui.templates import TemplateGallery, find_templates
from studio.gui.viewers import make_viewer
from studio.gui.viewers.figure_viewer import FigureViewer
from studio.gui.viewers.validation_viewer import VERDICT_COLORS, ValidationViewer
from tests.conftest import run_node

from .gestures import drop_node


def _penguins(window):
    template = next(t for t in find_templates() if t.path.parent.name == "penguins")
    assert window.files.new_from_template(template)
    return template


def test_a_template_opened_before_the_window_shows_is_fitted_readable(qtbot, prefs):
    from studio.gui.main_window import MainWindow

    window = MainWindow(prefs=prefs, quiet=True)
    qtbot.addWidget(window)
    _penguins(window)  # as on first start: opened before show, at no real size yet
    window.show()
    qtbot.waitExposed(window)
    view = window.view
    assert view.zoom >= view.READABLE_SCALE
    reader = next(n for n in window.document.workflow.nodes if n.type_id == "io.csv_reader")
    seen = view.mapToScene(view.viewport().rect()).boundingRect()
    assert seen.contains(window.scene.nodes[reader.id].sceneBoundingRect())  # its start shows
    window.grab().save("/tmp/studioux-first-start.png")


def test_an_empty_canvas_shows_a_hint_that_goes_with_the_first_node(qtbot, window):
    view = window.view
    background = view.backgroundBrush().color()

    def hint_pixels() -> int:
        image = view.viewport().grab().toImage()
        middle = image.height() // 2
        return sum(
            QColor(image.pixel(x, y)).lightness() < background.lightness() - 60
            for x in range(0, image.width(), 2)
            for y in range(middle - 24, middle + 24, 3)
        )

    assert hint_pixels() > 20
    drop_node(window, "manipulation.column_filter", QPointF(0, -300))
    view.centerOn(QPointF(0, 2000))
    assert hint_pixels() == 0


def test_help_opens_the_user_guide(qtbot, window):
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    action = next(a for a in help_menu.actions() if a.text() == "&User Guide")
    action.trigger()
    guide = window.guide
    assert guide.isVisible() and guide.parent() is window
    assert "Knotwork user guide" in guide.browser.toPlainText()
    assert "Analyst: the studio" in guide.browser.toPlainText()
    guide.browser.setSource(QUrl("analyst.md"))  # a link of the guide, followed in place
    assert "Deploy with one click" in guide.browser.toPlainText()
    guide.open(README)
    assert "Writing nodes" in guide.browser.toPlainText()
    guide.open(COMMANDS)
    assert "knotwork deploy" in guide.browser.toPlainText()


def test_the_template_gallery_shows_a_picture_of_each_workflow(qtbot):
    gallery = TemplateGallery(find_templates())
    qtbot.addWidget(gallery)
    item = gallery.list.item(0)
    image = item.icon().pixmap(gallery.list.iconSize()).toImage()
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 4) for y in range(0, image.height(), 4)
    }
    assert len(colours) > 10  # nodes and wires drawn, not a blank square
    gallery.show()
    gallery.grab().save("/tmp/studioux-gallery.png")


def test_the_validation_view_colours_each_verdict_and_shows_whole_messages(qtbot):
    long = "balanced_accuracy 1.000 on train vs 0.700 on test: gap +0.300 (limit 0.100) " * 3
    result = Metrics(
        {
            "status": "fail",
            "checks": [
                {
                    "check": "cv spread",
                    "status": "pass",
                    "value": 0.01,
                    "threshold": 0.05,
                    "message": "ok",
                },
                {
                    "check": "overfitting (test)",
                    "status": "fail",
                    "value": 0.3,
                    "threshold": 0.1,
                    "message": long,
                },
                {
                    "check": "class imbalance",
                    "status": "warn",
                    "value": 0.15,
                    "threshold": 0.2,
                    "message": "rare",
                },
            ],
        }
    )
    viewer = make_viewer(result)
    assert isinstance(viewer, ValidationViewer)
    qtbot.addWidget(viewer)
    viewer.resize(700, 400)
    viewer.show()
    table = viewer.table
    assert [table.item(r, 0).text() for r in range(3)] == ["FAIL", "WARN", "PASS"]  # worst first
    assert table.item(0, 0).background().color() == VERDICT_COLORS["fail"][0]
    assert table.item(2, 4).background().color() == VERDICT_COLORS["pass"][0]
    assert table.item(0, 4).text() == long  # whole, wrapped into a taller row
    assert table.rowHeight(0) > table.rowHeight(2)
    assert "Overall: fail" in viewer.verdict.text()


def test_the_model_summary_reads_as_words_and_tables_not_json(qtbot, penguins_clean):
    (model,) = run_node(
        "learners.logistic_regression",
        [penguins_clean.with_df(penguins_clean.df[["species", "bill_length_mm", "body_mass_g"]])],
    )
    assert isinstance(model, Model)
    viewer = make_viewer(model)
    qtbot.addWidget(viewer)
    text = viewer.text.toPlainText()
    assert "predicts one of the classes of species from 2 feature column(s)" in text
    assert "Adelie, Chinstrap, Gentoo" in text
    assert "{" not in text and '"' not in text
    assert "max_iter" in text and "class_weight" in text


def test_a_figure_is_interactive_with_zoom_export_and_the_value_under_the_mouse(qtbot, penguins):
    (figure,) = run_node(
        "visualization.scatter_plot", [penguins], x="bill_length_mm", y="body_mass_g"
    )
    viewer = make_viewer(figure)
    assert isinstance(viewer, FigureViewer) and viewer.canvas is not None
    qtbot.addWidget(viewer)
    viewer.resize(800, 600)
    viewer.show()
    qtbot.waitExposed(viewer)
    tools = {a.text() for a in viewer.toolbar.actions()}
    assert {"Zoom", "Pan", "Save"} <= tools  # matplotlib's own zoom, pan and PNG/SVG export
    assert "svg" in viewer.canvas.get_supported_filetypes()
    # hover a drawn point: its values show under the figure
    ax = figure.drawing.axes[0]
    x, y = ax.collections[0].get_offsets()[0]
    px, py = ax.transData.transform((x, y))
    MouseEvent("motion_notify_event", viewer.canvas, px, py)._process()
    assert f"x = {x:.4g}" in viewer.hover.text() and f"y = {y:.4g}" in viewer.hover.text()


def test_a_figure_without_its_drawing_shows_the_picture_sharp_at_twice_the_resolution(qtbot):
    from studio.core import Figure

    png = run_node("visualization.histogram", [Table(pd.DataFrame({"v": range(50)}))], column="v")[
        0
    ].png
    viewer = FigureViewer(Figure(png, "from a bundle"))
    qtbot.addWidget(viewer)
    assert viewer.canvas is None and viewer.pixmap.devicePixelRatio() == 2.0


def test_missing_values_show_as_a_question_mark_and_headers_show_types(qtbot):
    viewer = make_viewer(Table(pd.DataFrame({"x": [1.5, None], "s": ["a", None]}), {"s": "target"}))
    qtbot.addWidget(viewer)
    model = viewer.model
    assert [model.data(model.index(1, c)) for c in range(2)] == ["?", "?"]
    assert model.headerData(0, Qt.Horizontal) == "x\nnumber"
    assert model.headerData(1, Qt.Horizontal) == "s\nstring · target"


def test_viewer_windows_are_owned_one_per_port_close_on_esc_and_keep_their_place(
    qtbot, make_window, tmp_path
):
    from studio.core import Workflow

    csv = tmp_path / "t.csv"
    csv.write_text("a,b\n1,x\n2,\n")
    wf = Workflow.new("w")
    reader = wf.add_node("io.csv_reader", settings={"path": str(csv)})
    window = make_window(wf)
    with qtbot.waitSignal(window.runner.finished, timeout=20000):
        window.run_all()
    viewer = window.open_port_viewer(reader.id, 0)
    assert viewer.parent() is window and viewer.isWindow()
    screen = viewer.screen().availableGeometry()
    assert screen.contains(viewer.frameGeometry())  # all of it on the screen
    again = window.open_port_viewer(reader.id, 0)
    assert window.viewers == [again]  # the port's viewer is replaced, not stacked
    again.resize(640, 420)
    again.move(screen.left() + 30, screen.top() + 40)
    again.activateWindow()
    qtbot.waitUntil(again.isActiveWindow)
    qtbot.keyClick(QApplication.focusWidget() or again, Qt.Key_Escape)
    assert not again.isVisible() and window.viewers == []
    third = window.open_port_viewer(reader.id, 0)
    assert third.size().width() == 640 and third.size().height() == 420


def test_canvas_and_console_follow_a_dark_palette(qtbot, window):
    app = QApplication.instance()
    before = app.palette()
    dark = QPalette()
    for role, colour in (
        (QPalette.Window, "#2b2b2b"),
        (QPalette.Base, "#1e1e1e"),
        (QPalette.Text, "#e8e8e8"),
        (QPalette.WindowText, "#e8e8e8"),
    ):
        dark.setColor(role, QColor(colour))
    try:
        app.setPalette(dark)
        node = drop_node(window, "manipulation.column_filter", QPointF(0, 0))
        window.console.log("an error", "error")
        qtbot.waitUntil(lambda: window.view.backgroundBrush().color().lightness() < 60)
        label = window.scene.nodes[node].label_item.defaultTextColor()
        assert label.lightness() > 180
        html = window.console.toHtml()
        assert "#f28b82" in html  # the dark palette's error colour, readable on dark
        window.grab().save("/tmp/studioux-dark.png")
    finally:
        app.setPalette(before)


def test_counts_say_one_node_and_the_window_geometry_is_remembered(qtbot, make_window):
    window = make_window()
    drop_node(window, "manipulation.column_filter", QPointF(0, 0))
    assert window.run_status.counts.text().startswith("1 node · 0 executed · 0 wires")
    window.resize(700, 520)
    window.close()
    second = make_window()
    assert (second.width(), second.height()) == (700, 520)
