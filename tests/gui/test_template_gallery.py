"""The template gallery shows each template's fault line, description, walkthrough and
commands; the one-click-deploy template opens from it and its Deploy wizard captures the
scoring path and builds a parity-checked bundle (template 6's walkthrough)."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from studio.core.templates import find_templates
from studio.gui.templates import TemplateGallery


def test_the_gallery_shows_the_chosen_templates_walkthrough_and_commands(qtbot, tmp_path):
    templates = find_templates()
    gallery = TemplateGallery(templates)
    qtbot.addWidget(gallery)
    gallery.show()
    qtbot.waitExposed(gallery)
    names = [gallery.list.item(i).data(Qt.UserRole).folder for i in range(gallery.list.count())]
    assert names[:2] == ["penguins", "diabetes"]
    assert set(names[2:]) == {
        "leakage",
        "parity",
        "credentials",
        "drift",
        "registry",
        "one_click_deploy",
    }
    gallery.list.setCurrentRow(names.index("leakage"))
    text = gallery.details.toPlainText()
    leakage = templates[names.index("leakage")]
    assert "Fault line: 1. poor model choice" in text
    assert leakage.description in text
    assert all(step in text for step in leakage.walkthrough)
    assert "knotwork deploy leakage.knotwork.json" in text
    assert "Leakage and overfitting" in gallery.list.currentItem().text()
    gallery.grab().save(str(tmp_path / "gallery.png"))
    gallery.grab().save("/tmp/tmpl-gallery.png")


def test_the_one_click_template_deploys_from_the_studio(qtbot, make_window, tmp_path):
    window = make_window()
    template = next(t for t in find_templates() if t.folder == "one_click_deploy")
    assert window.files.new_from_template(template)
    wf = window.document.workflow
    assert wf.path.parent == window.prefs.workspace / "one_click_deploy"
    wizard = window.deploy()
    assert wizard is not None
    by_label = {n.label: n.id for n in wf.nodes}
    highlighted = {nid for nid, item in window.scene.nodes.items() if item.highlighted}
    assert highlighted == {
        by_label[x] for x in ("Deployment Input", "Scale test", "Predict", "Deployment Output")
    }
    summary = wizard.summary.toPlainText()
    assert "sepal_length_cm: number" in summary
    assert "species (the target: the service answers it)" in summary
    assert '"Scale".transform' in summary and '"Learner".model' in summary
    window.grab().save("/tmp/tmpl-one-click.png")
    wizard.output.setText(str(tmp_path / "iris-bundle"))
    with qtbot.waitSignal(wizard.task.done, timeout=60000):
        qtbot.mouseClick(wizard.build_button, Qt.LeftButton)
    manifest = json.loads((tmp_path / "iris-bundle" / "manifest.json").read_text())
    assert manifest["parity"]["passed"]
    assert "parity passed on" in wizard.log.toPlainText()
    assert wizard.serve_button.isEnabled()
    wizard.reject()
