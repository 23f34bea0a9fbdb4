"""Components in the studio: create, expand, edit and update, each one undo step."""

from __future__ import annotations

import json

from studio.core.component_library import shipped_folder
from studio.gui.components import ComponentEditor
from studio.gui.settings_dialog import SettingsDialog
from tests.core.components_builders import PREPROCESSING, scoring_workflow

from .gestures import double_click, node_center


def _select(window, labels):
    wf = window.document.workflow
    window.scene.select_nodes([wf.node(label).id for label in labels])


def _state(wf):
    return {n.id: (n.type_id, n.label, n.settings) for n in wf.nodes}, set(wf.links)


def test_create_component_is_one_undo_step_and_expand_undoes_it(make_window, tmp_path):
    window = make_window(scoring_workflow(tmp_path))
    wf = window.document.workflow
    before = _state(wf)
    _select(window, PREPROCESSING)
    nid = window.components.create("Preprocessing")
    assert window.document.undo_stack.count() == 1
    assert set(window.scene.nodes) == set(wf.graph) and nid in window.scene.nodes
    assert len(wf.graph) == len(before[0]) - 5
    assert window.scene.selected_node_ids() == [nid]
    window.undo()
    assert _state(wf) == before and set(window.scene.nodes) == set(wf.graph)
    window.redo()
    assert nid in wf.graph and len(window.scene.wires) == len(wf.links)
    ids = window.components.expand(nid)
    assert _state(wf) == before and sorted(window.scene.selected_node_ids()) == sorted(ids.values())
    window.undo()
    assert nid in wf.graph and not set(ids.values()) & set(wf.graph)
    window.undo()
    assert _state(wf) == before


def test_a_refused_selection_is_explained_and_changes_nothing(make_window, tmp_path):
    window = make_window(scoring_workflow(tmp_path))
    before = _state(window.document.workflow)
    _select(window, ["Split", "Impute test"])
    assert window.components.create("Broken") is None
    assert "lies between them" in window.scene.refusal
    assert window.document.undo_stack.count() == 0 and _state(window.document.workflow) == before


def test_a_components_settings_dialog_is_built_from_its_parameters(make_window, tmp_path):
    window = make_window(scoring_workflow(tmp_path))
    _select(window, ["Roles", "Split"])
    nid = window.components.create("Roles and split")
    dialog = window.configure_node(nid)
    assert isinstance(dialog, SettingsDialog)
    assert dialog.values() == {"seed": "$seed"}
    dialog.reject()


def test_double_click_opens_the_component_and_ok_applies_the_edit_as_one_step(
    qtbot, make_window, tmp_path
):
    window = make_window(scoring_workflow(tmp_path))
    _select(window, PREPROCESSING)
    nid = window.components.create("Preprocessing")
    wf = window.document.workflow
    old = wf.components["preprocessing"]
    double_click(window.view, node_center(window, nid))
    editor = window.components.editor
    assert isinstance(editor, ComponentEditor) and editor.isVisible()
    inner = editor.document.workflow
    assert {n.label for n in inner.nodes} >= set(PREPROCESSING)
    # the inner inputs see the outer wires' specs: the inner nodes configure
    qtbot.waitUntil(lambda: editor.document.report is not None)
    assert editor.document.report.ok, editor.document.report.problems()
    scale = inner.node("Scale").id
    inner.set_setting(scale, "method", "minmax")
    editor.accept()
    assert window.document.undo_stack.count() == 2
    assert wf.components["preprocessing"].workflow != old.workflow
    assert window.document.workflow.run().ok
    window.undo()
    assert wf.components["preprocessing"] is old
    assert set(window.scene.nodes) == set(wf.graph)


def test_a_linked_copy_shows_the_newer_library_version_and_updates_on_request(
    make_window, prefs, tmp_path
):
    team = tmp_path / "team"
    team.mkdir()
    data = json.loads(
        (shipped_folder() / "standard-preprocessing.knotwork-component.json").read_text()
    )
    target = team / "standard-preprocessing.knotwork-component.json"
    target.write_text(json.dumps({**data, "version": 4}))
    prefs.component_folders = str(team)
    window = make_window(scoring_workflow(tmp_path))
    comp = window.components.library()["standard-preprocessing"]
    node = window.components.insert(comp, (0, 300))
    assert window.document.undo_stack.undoText() == f"Insert {comp.definition.name}"
    window.components.mark_outdated()
    assert window.scene.nodes[node.id].notice == ""
    target.write_text(json.dumps({**data, "version": 5}))
    window.components.mark_outdated()
    item = window.scene.nodes[node.id]
    assert "library has version 5" in item.notice and "version 5" in item.toolTip()
    window.scene.select_nodes([node.id])
    assert window.components.update_selected() == []
    wf = window.document.workflow
    assert wf.node(node.id).version == 5
    assert window.scene.nodes[node.id].notice == ""  # reconfigured after the edit
    window.undo()
    assert wf.node(node.id).version == 4 and wf.components["standard-preprocessing"].version == 4


def test_the_components_menu_sits_before_help(make_window):
    window = make_window()
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.index("C&omponents") == titles.index("&Help") - 1
    assert window.components.is_component("nope") is False
