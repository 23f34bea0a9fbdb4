"""A value a setting can never take is refused in its field, in the setting's own terms
(never pydantic's wording, never silently changed), and the same words come from
`Workflow.set_setting`, which refuses it at once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from studio.core import ConfigureError, Workflow
from studio.gui.settings_dialog import SettingsDialog
from tests.conftest import TEMPLATES


def _dialog(qtbot, penguins_csv, type_id: str) -> tuple[Workflow, SettingsDialog]:
    wf = Workflow()
    reader = wf.add_node("io.csv_reader", settings={"path": str(penguins_csv)})
    node = wf.add_node(type_id)
    wf.connect(reader.id, 0, node.id, 0)
    dialog = SettingsDialog(wf, node.id, wf.configure())
    qtbot.addWidget(dialog)
    dialog.show()
    return wf, dialog


def _type(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key_Tab)


def test_a_typed_train_fraction_of_1_5_is_shown_and_refused_in_its_field(qtbot, penguins_csv):
    _, dialog = _dialog(qtbot, penguins_csv, "validation.partitioning")
    spin = dialog.editor("train_fraction").spin
    _type(qtbot, spin, "1.5")
    assert spin.value() == pytest.approx(1.5)  # not clamped, not turned into 0.5
    message = dialog.rows["train_fraction"].message
    assert not message.isHidden()
    assert message.text() == "Train Fraction must be less than 1, not 1.5"
    assert not dialog.ok_button.isEnabled()
    dialog.grab().save("/tmp/checks-shot.png")
    _type(qtbot, spin, "0.8")
    assert dialog.ok_button.isEnabled() and message.isHidden()


def test_the_arrows_stay_within_the_settings_bounds(qtbot, penguins_csv):
    _, dialog = _dialog(qtbot, penguins_csv, "validation.partitioning")
    spin = dialog.editor("train_fraction").spin
    spin.setValue(0.95)
    spin.stepBy(3)
    assert spin.value() < 1 and dialog.ok_button.isEnabled()


def test_an_empty_prediction_column_is_refused_without_pydantic_wording(qtbot, penguins_csv):
    wf = Workflow()
    node = wf.add_node("scoring.predictor")
    dialog = SettingsDialog(wf, node.id, wf.configure())
    qtbot.addWidget(dialog)
    editor = dialog.editor("prediction_column")
    editor.set_value("")
    dialog.validate()
    text = dialog.rows["prediction_column"].message.text()
    assert text == "Prediction Column must not be empty"
    assert "String should" not in text and not dialog.ok_button.isEnabled()


@pytest.mark.parametrize(
    ("node", "setting", "value", "words"),
    [
        ("Learner", "C", -1, "C must be greater than 0, not -1"),
        ("Split", "train_fraction", 1.5, "Train Fraction must be less than 1, not 1.5"),
        ("Learner", "max_iter", "lots", "Max Iter must be a whole number, not 'lots'"),
    ],
)
def test_set_setting_refuses_a_bad_value_at_once_naming_node_and_setting(
    node, setting, value, words
):
    wf = Workflow.load(TEMPLATES / "penguins" / "penguins.knotwork.json")
    before = dict(wf.node(node).settings)
    with pytest.raises(ConfigureError) as err:
        wf.set_setting(node, setting, value)
    assert str(err.value) == f'node "{node}": {setting}: {words}'
    assert wf.node(node).settings == before


def test_set_setting_takes_a_parameter_reference_checked_with_its_value():
    wf = Workflow.load(TEMPLATES / "penguins" / "penguins.knotwork.json")
    wf.set_setting("Split", "seed", "$seed")
    wf.add_parameter("fraction", "number", 1.5)
    with pytest.raises(ConfigureError, match="Train Fraction must be less than 1, not 1.5"):
        wf.set_setting("Split", "train_fraction", "$fraction")
