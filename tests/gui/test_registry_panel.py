"""The registry panel on a real registry: lists models and versions, charts metrics,
shows the policy report and diff, and promotes/approves/rolls back after confirmation."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialogButtonBox  # noqa: E402

from studio.gui.registry_panel import ConfirmDialog, RegistryPanel  # noqa: E402
from studio.registry import Registry  # noqa: E402
from tests.registry.factory import write_bundle  # noqa: E402


@pytest.fixture
def registry(tmp_path, monkeypatch):
    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    reg = Registry(workspace=tmp_path / "ws")
    for version, C, test_acc in (("1", 1.0, 0.90), ("2", 0.5, 0.93), ("3", 0.1, 0.95)):
        reg.register(
            write_bundle(
                tmp_path / "b",
                version=version,
                C=C,
                metrics={"train": {"accuracy": 0.97}, "test": {"accuracy": test_acc}},
            )
        )
    for version in ("1", "2"):
        for env in ("dev", "test", "prod"):
            reg.promote(f"churn:{version}", env)
    yield reg
    reg.close()


@pytest.fixture
def panel(qtbot, registry):
    p = RegistryPanel(registry)
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.show()
    p.refresh()
    return p


def answer_dialog(reason: str | None):
    """Fill in the confirmation dialog the next action opens (None: cancel it)."""

    def handle():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ConfirmDialog)
        answer_dialog.details = dialog.details.toPlainText()
        if reason is None:
            dialog.reject()
            return
        assert not dialog.buttons.button(QDialogButtonBox.Ok).isEnabled()  # a reason is required
        dialog.reason.setText(reason)
        dialog.buttons.button(QDialogButtonBox.Ok).click()

    QTimer.singleShot(0, handle)


def select_version(panel, version: str) -> None:
    row = [panel.versions.item(r, 0).text() for r in range(panel.versions.rowCount())].index(
        version
    )
    panel.versions.selectRow(row)


def test_panel_lists_models_versions_environments_and_charts_metrics(panel):
    assert panel.models.count() == 1 and panel.model_name == "churn"
    assert panel.versions.rowCount() == 3
    assert "prod</b>: 2" in panel.environments.text()
    panel.chart.metric.setCurrentText("test.accuracy")
    assert panel.chart.series["test.accuracy"] == [("1", 0.90), ("2", 0.93), ("3", 0.95)]
    line = panel.chart.figure.axes[0].lines[0]
    assert list(line.get_ydata()) == [0.90, 0.93, 0.95]
    assert panel.log.rowCount() == 9  # 3 registrations + 6 promotions


def test_policy_report_and_diff_follow_the_selection(panel):
    select_version(panel, "3")
    panel.env.setCurrentText("prod")
    assert "passed through previous environment  FAIL" in panel.report.toPlainText()
    panel.diff_a.setCurrentText("1")
    panel.diff_b.setCurrentText("3")
    assert "Logistic Regression.C: 1.0 → 0.1" in panel.diff_view.toPlainText()


def test_promote_asks_for_confirmation_and_a_reason(panel, registry, qtbot):
    select_version(panel, "3")
    panel.env.setCurrentText("dev")
    answer_dialog(None)
    assert panel.promote_selected() is None
    assert registry.alias_target("churn", "dev").version == "2"
    answer_dialog("new features")
    with qtbot.waitSignal(panel.changed) as signal:
        panel.promote_selected()
    assert signal.args[0].status == "promoted"
    assert registry.alias_target("churn", "dev").version == "3"
    assert registry.log("churn")[-1].reason == "new features"
    assert "churn@dev: promoted (3)" in panel.status.text()


def test_refused_promotion_shows_the_report(panel, registry, qtbot):
    select_version(panel, "3")
    panel.env.setCurrentText("prod")
    answer_dialog("skip the queue")
    with qtbot.waitSignal(panel.failed):
        panel.promote_selected()
    assert (
        "refused" in panel.report.toPlainText()
        and "8. passed through previous environment" in answer_dialog.details
    )
    assert registry.alias_target("churn", "prod").version == "2"
    assert panel.log.item(0, 4).text() == "refused"


def test_rollback_button_moves_prod_back_one_step(panel, registry):
    panel.env.setCurrentText("prod")
    answer_dialog("incident 42")
    result = panel.rollback_env()
    assert result.version == "1" and registry.alias_target("churn", "prod").version == "1"
    assert "promote  1 → 2" in answer_dialog.details  # the history shown before confirming
    assert "prod</b>: 1" in panel.environments.text()


def test_approve_records_the_approval(panel, registry):
    select_version(panel, "3")
    panel.env.setCurrentText("prod")
    answer_dialog("looked at the metrics")
    assert panel.approve_selected().status == "approved"
    assert registry.log("churn")[-1].action == "approve"


def test_empty_or_locked_registry_shows_a_message_not_an_exception(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    reg = Registry(workspace=tmp_path / "empty")
    panel = RegistryPanel(reg)
    qtbot.addWidget(panel)
    panel.refresh()
    assert panel.status.text().startswith("0 model(s)")
    assert panel.models.count() == 0 and panel.promote_selected() is None
    assert "the registry has no models yet" in panel.status.text()
    reg.create_token("root", "admin")  # now shared: this tokenless panel may not read it
    with qtbot.waitSignal(panel.failed):
        panel.refresh()
    assert "shared" in panel.status.text()
    reg.close()


def test_switching_models_refreshes_the_policy_report_of_the_same_row(panel, registry, tmp_path):
    """Both models' first rows are selected in turn: the report must name the model shown,
    not the one looked at before."""
    registry.register(write_bundle(tmp_path / "other", name="attrition", version="1"))
    panel.refresh()
    names = [panel.models.item(i).text() for i in range(panel.models.count())]
    assert names == ["attrition", "churn"]
    panel.models.setCurrentRow(0)
    panel.versions.selectRow(0)
    assert "attrition:1" in panel.report.toPlainText()
    panel.models.setCurrentRow(1)
    panel.versions.selectRow(0)
    assert "churn:1" in panel.report.toPlainText()
    assert "Registry(" not in panel.status.text() and "registry.db" in panel.status.text()


def test_the_confirmation_names_the_action_and_never_accepts_without_a_reason(
    panel, registry, qtbot
):
    select_version(panel, "3")
    panel.env.setCurrentText("dev")
    seen = {}

    def handle():
        dialog = QApplication.activeModalWidget()
        try:
            seen["heading"] = dialog.heading.text() if hasattr(dialog, "heading") else ""
            dialog.accept()  # what Enter or a script would do with the reason still empty
            seen["open"] = dialog.isVisible()
        finally:
            dialog.reject()

    QTimer.singleShot(0, handle)
    assert panel.promote_selected() is None
    assert "Promote churn:3 to dev" in seen["heading"] and seen["open"]
    assert registry.alias_target("churn", "dev").version == "2"


def test_every_action_that_cannot_act_says_why(panel, registry, qtbot):
    registry_versions = panel.versions.rowCount()
    assert registry_versions == 3
    panel.versions.clearSelection()
    for button, action in (
        (panel.promote_button, "Promote"),
        (panel.approve_button, "Approve"),
    ):
        qtbot.mouseClick(button, Qt.LeftButton)  # no dialog opens: nothing to act on
        assert panel.status.text() == f"{action}: select a version of churn first"
    panel.env.addItem("staging")  # an environment churn has never been promoted to
    panel.env.setCurrentText("staging")
    qtbot.mouseClick(panel.rollback_button, Qt.LeftButton)
    assert panel.status.text() == (
        "Roll back: staging has never held a version of churn: promote one there first"
    )


def test_promote_to_prod_offers_the_warnings_to_acknowledge_and_shows_them_after(
    qtbot, tmp_path, monkeypatch
):
    from tests.registry.test_acknowledge import WARNED

    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    reg = Registry(workspace=tmp_path / "ws")
    reg.register(write_bundle(tmp_path / "b", validation=WARNED))
    for env in ("dev", "test"):
        reg.promote("churn:1", env)
    panel = RegistryPanel(reg)
    qtbot.addWidget(panel)
    panel.refresh()
    select_version(panel, "1")
    panel.env.setCurrentText("prod")
    line = next(x for x in panel.report.toPlainText().splitlines() if "warnings acknowledged" in x)
    assert "FAIL" in line and "2 of 2 warnings not acknowledged" in line

    def acknowledge_all():
        dialog = QApplication.activeModalWidget()
        assert sorted(dialog.warnings) == ["class imbalance", "target leakage"]
        for box in dialog.warnings.values():
            box.setChecked(True)
        dialog.reason.setText("reviewed with the churn team")
        dialog.buttons.button(QDialogButtonBox.Ok).click()

    QTimer.singleShot(0, acknowledge_all)
    result = panel.promote_selected()
    assert result is not None and result.status == "promoted"
    assert reg.alias_target("churn", "prod").version == "1"
    text = panel.report.toPlainText()
    assert "Acknowledged warnings:" in text
    assert "'class imbalance' for prod by" in text and "reviewed with the churn team" in text
    assert [panel.log.item(r, 3).text() for r in range(3)] == [
        "promote",
        "acknowledge",
        "acknowledge",
    ]
    reg.close()
