"""The node repository: categories from the catalogue, search over name, keywords and
description, a description pane, and double-click to add."""

from __future__ import annotations

from PySide6.QtCore import Qt

from studio.core import default_catalog
from studio.core.component import BOUNDARY_CATEGORY


def _offered():
    """Every catalogue type the main canvas offers: a component's ports only exist inside one."""
    return [t for t in default_catalog().all() if t.category != BOUNDARY_CATEGORY]


def test_categories_come_from_the_catalogue(qtbot, window):
    tree = window.repository.tree
    shown = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    expected = [c for c in default_catalog().categories() if c != BOUNDARY_CATEGORY]
    assert shown == expected
    assert BOUNDARY_CATEGORY not in shown


def test_search_matches_keywords_and_descriptions_not_only_names(qtbot, window):
    repo = window.repository
    qtbot.keyClicks(repo.search, "stratify")  # a Partitioning keyword
    assert "validation.partitioning" in repo.visible_type_ids()
    assert "io.csv_reader" not in repo.visible_type_ids()
    repo.search.clear()
    qtbot.keyClicks(repo.search, "class probabilities")  # words of a description
    assert "learners.logistic_regression" in repo.visible_type_ids()
    assert "Logistic Regression" in repo.description.toPlainText()
    repo.search.clear()
    assert sorted(repo.visible_type_ids()) == sorted(t.type_id for t in _offered())


def test_double_clicking_a_node_type_adds_it_to_the_canvas(qtbot, window):
    repo = window.repository
    item = repo.items["scoring.predictor"]
    repo.tree.scrollToItem(item)
    center = repo.tree.visualItemRect(item).center()
    qtbot.mouseClick(repo.tree.viewport(), Qt.LeftButton, pos=center)
    qtbot.mouseDClick(repo.tree.viewport(), Qt.LeftButton, pos=center)
    assert [n.type_id for n in window.document.workflow.nodes] == ["scoring.predictor"]
    assert len(window.scene.nodes) == 1
    assert "Predictor" in repo.description.toPlainText() or repo.tree.currentItem() is item


def test_the_description_pane_invites_a_choice_before_a_node_is_selected(qtbot, window):
    pane = window.repository.description
    assert pane.toPlainText() == "" and "Select a node" in pane.placeholderText()
