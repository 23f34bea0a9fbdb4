"""The studio shows the dependency audit: the Registry dock's Audit column and policy report,
and the Deploy wizard's audit line, from audits recorded by the real audit code."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("PySide6")

from studio.gui.registry_panel import RegistryPanel  # noqa: E402
from studio.registry import Registry  # noqa: E402
from studio.security.audit import Checks, audit_bundle  # noqa: E402
from studio.security.audit_policy import AuditPolicy  # noqa: E402
from tests.registry.factory import write_bundle  # noqa: E402
from tests.security.conftest import osv_record  # noqa: E402

PINS = {"scikit-learn": "1.9.0"}


def _recorded(tmp_path, vulnerable: bool) -> dict:
    """The audit deploy would record for the factory bundle's pins, against real advisories."""
    records = [osv_record("scikit-learn", fixed="1.9.1")] if vulnerable else []
    path = tmp_path / f"osv-{vulnerable}.json"
    path.write_text(json.dumps(records))
    report = audit_bundle(
        "churn", {"graph.json": b"{}"}, PINS, AuditPolicy(), path, Checks(outdated=False)
    )
    return report.to_json()


def test_the_registry_dock_shows_each_versions_audit_and_the_gate_names_the_advisory(
    qtbot, tmp_path, monkeypatch
):
    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    reg = Registry(workspace=tmp_path / "ws")
    for version, vulnerable in (("1", False), ("2", True)):
        bundle = write_bundle(
            tmp_path / "b", version=version, C=float(version), audit=_recorded(tmp_path, vulnerable)
        )
        reg.register(bundle)
    panel = RegistryPanel(reg)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh()
    column = [panel.versions.horizontalHeaderItem(c).text() for c in range(7)].index("Audit")
    assert [panel.versions.item(r, column).text() for r in range(2)] == ["ok", "1 failed"]
    panel.env.setCurrentText("prod")
    panel.versions.selectRow(1)
    report = panel.report.toPlainText()
    assert "dependency audit" in report and "CVE-2099-11111" in report
    panel.grab().save(str(tmp_path / "registry-audit.png"))
    reg.close()


def test_the_deploy_wizard_shows_the_recorded_audit_and_marks_a_failure(
    qtbot, make_window, tmp_path
):
    from studio.core import Workflow

    wf = Workflow.new("w")
    wf.add_node("deployment.input", id="in")
    wf.add_node("deployment.output", id="out")
    wf.connect("in", 0, "out", 0)
    window = make_window(wf)
    wizard = window.deploy()
    wizard.show_audit({"audit": _recorded(tmp_path, vulnerable=True)})
    assert wizard.audit.text().startswith("Dependency audit: 1 failure(s)")
    assert "b3261e" in wizard.audit.styleSheet()
    assert "audit: 1 failure(s)" in wizard.log.toPlainText()
    wizard.show_audit({"audit": _recorded(tmp_path, vulnerable=False)})
    assert "passes the policy" in wizard.audit.text() and wizard.audit.styleSheet() == ""
    wizard.grab().save(str(tmp_path / "deploy-audit.png"))
