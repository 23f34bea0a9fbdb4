"""The Monitoring dock on a real bundle (penguins) and a real SQLite monitoring store:
rows scored by the bundle with planted drift are logged, the dock evaluates off the GUI
thread and shows the alert light, the drifted columns, the plots and the alert history."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt  # noqa: E402

from studio.deploy import Bundle, build_bundle  # noqa: E402
from studio.gui.monitoring_panel import MonitoringPanel  # noqa: E402
from studio.monitor import Alerter, MonitorStore, evaluate  # noqa: E402
from studio.monitor.bundle import prepare_bundle_monitors  # noqa: E402
from studio.registry import Registry  # noqa: E402
from studio.registry.policy import RegistryConfig  # noqa: E402
from tests.deploy.conftest import FEATURES, scoring_workflow  # noqa: E402

SHIFTED = FEATURES  # every numeric input moves one standard deviation


@pytest.fixture
def bundle(tmp_path, monkeypatch, penguins_csv) -> Bundle:
    monkeypatch.setenv("KNOTWORK_HOME", str(tmp_path / "home"))
    result = build_bundle(scoring_workflow(penguins_csv), tmp_path / "bundles" / "penguins")
    return Bundle.load(result.path)


def log_scored(store: MonitorStore, bundle: Bundle, rows, request: str) -> None:
    scored = bundle.predict(rows)
    store.log_predictions(
        request,
        bundle.name,
        bundle.version,
        rows.to_dict(orient="records"),
        scored.drop(columns=[c for c in scored.columns if c in rows.columns]).to_dict(
            orient="records"
        ),
    )
    assert store.flush()


@pytest.fixture
def store_url(tmp_path, bundle, penguins_df) -> str:
    """A store holding 300 drifted rows the bundle scored, with one evaluation recorded
    before the drift (ok) and one after (alert), as a server would have left it."""
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    store = MonitorStore(url, background=False)
    monitors = prepare_bundle_monitors(bundle)
    alerter = Alerter(store=store)
    rows = penguins_df.dropna().drop(columns=["species"]).sample(300, replace=True, random_state=3)
    log_scored(store, bundle, rows.iloc[:150], "calm")
    evaluate(monitors, store, bundle.name, bundle.version, alerter=alerter, now=1.7e9)
    drifted = rows.iloc[150:].copy()
    for col in SHIFTED:
        drifted[col] = drifted[col] + penguins_df[col].std()
    for _ in range(3):  # drifted rows outnumber the calm ones in the 1000-row window
        log_scored(store, bundle, drifted, f"drift-{_}")
    evaluate(monitors, store, bundle.name, bundle.version, alerter=alerter, now=1.7e9 + 3600)
    store.close()
    return url


@pytest.fixture
def panel(qtbot, tmp_path):
    p = MonitoringPanel(workspace=tmp_path / "workspace")
    qtbot.addWidget(p)
    p.resize(1100, 760)
    p.show()
    return p


def cells(table, column: int) -> list[str]:
    return [table.item(r, column).text() for r in range(table.rowCount())]


def evaluate_in(qtbot, panel: MonitoringPanel):
    with qtbot.waitSignal(panel.evaluated, timeout=60_000) as blocker:
        assert panel.evaluate()
    return blocker.args[0]


def test_the_dock_shows_the_alert_light_the_drifted_columns_and_the_alert_history(
    qtbot, panel, bundle, store_url, tmp_path
):
    panel.bundle_path.setText(str(bundle.path))
    panel.store_url.setText(store_url)
    result = evaluate_in(qtbot, panel)

    assert result.status.monitors[0].verdict.value == "alert"
    assert cells(panel.monitors, 2) == ["alert"]
    by_column = dict(zip(cells(panel.columns, 0), cells(panel.columns, 6)))
    assert {c for c, v in by_column.items() if v == "alert"} == set(SHIFTED)
    assert by_column["island"] == "ok"
    # alert history, newest first: the dataset and every shifted column went ok → alert
    transitions = list(zip(cells(panel.alerts, 2), cells(panel.alerts, 3), cells(panel.alerts, 4)))
    assert ("(dataset)", "ok", "alert") in transitions
    assert {c for c, _, to in transitions if to == "alert"} >= set(SHIFTED)
    assert len(panel.figure.axes) == 2
    assert "over time" in panel.figure.axes[1].get_title()  # the recorded evaluations
    assert panel.evaluate_button.isEnabled()
    names = []
    for index in range(panel.tabs.count()):  # every tab, to look at it
        panel.tabs.setCurrentIndex(index)
        names.append(f"monitoring_panel_{index}.png")
        assert panel.grab().save(str(tmp_path / names[-1]))
    if os.environ.get("KNOTWORK_SCREENSHOT_DIR"):
        out = Path(os.environ["KNOTWORK_SCREENSHOT_DIR"])
        for name in names:
            (out / name).write_bytes((tmp_path / name).read_bytes())


def test_an_empty_store_shows_not_enough_data_rather_than_ok(qtbot, panel, bundle, tmp_path):
    panel.bundle_path.setText(str(bundle.path))
    panel.store_url.setText(str(tmp_path / "empty.db"))
    evaluate_in(qtbot, panel)
    assert cells(panel.monitors, 2) == ["not enough data"]
    assert set(cells(panel.columns, 6)) == {"not enough data"}
    assert panel.alerts.rowCount() == 0


def test_a_missing_bundle_is_reported_in_the_status_line(qtbot, panel, tmp_path):
    panel.bundle_path.setText(str(tmp_path / "nowhere"))
    with qtbot.waitSignal(panel.failed, timeout=30_000) as blocker:
        assert panel.evaluate()
    assert "nowhere" in blocker.args[0]
    assert "nowhere" in panel.status.text()
    assert panel.evaluate_button.isEnabled()


def test_a_registry_model_and_environment_is_evaluated_through_its_alias(
    qtbot, tmp_path, bundle, store_url
):
    reg = Registry(workspace=tmp_path / "ws")
    reg.register(bundle.path)
    reg.promote(f"{bundle.name}:{bundle.version}", "dev")
    panel = MonitoringPanel(reg, workspace=tmp_path / "ws")
    qtbot.addWidget(panel)
    panel.source.setCurrentIndex(1)
    assert panel.model.currentText() == bundle.name
    panel.env.setCurrentText("dev")
    panel.store_url.setText(store_url)
    result = evaluate_in(qtbot, panel)
    assert result.status.model == bundle.name
    assert cells(panel.monitors, 2) == ["alert"]
    reg.close()


def test_the_default_store_is_the_workspace_file_unless_the_variable_names_one(
    qtbot, tmp_path, monkeypatch
):
    monkeypatch.delenv("KNOTWORK_MONITOR_URL", raising=False)
    panel = MonitoringPanel(workspace=tmp_path / "ws")
    qtbot.addWidget(panel)
    assert panel.store_url.text() == f"sqlite:///{tmp_path / 'ws' / '.knotwork' / 'monitor.db'}"
    monkeypatch.setenv("KNOTWORK_MONITOR_URL", str(tmp_path / "elsewhere.db"))
    other = MonitoringPanel(workspace=tmp_path / "ws")
    qtbot.addWidget(other)
    assert other.store_url.text() == f"sqlite:///{tmp_path / 'elsewhere.db'}"


def test_view_monitoring_opens_the_dock_in_the_main_window(make_window, prefs, monkeypatch):
    monkeypatch.delenv("KNOTWORK_MONITOR_URL", raising=False)
    window = make_window()
    view = next(m.menu() for m in window.menuBar().actions() if m.text() == "&View")
    action = next(a for a in view.actions() if a.text().replace("&", "") == "Monitoring")
    action.trigger()
    assert window.monitoring_dock is not None and window.monitoring_dock.isVisible()
    panel = window.monitoring_dock.widget()
    assert isinstance(panel, MonitoringPanel)
    assert panel.store_url.text() == f"sqlite:///{prefs.workspace / '.knotwork' / 'monitor.db'}"
    assert window.dockWidgetArea(window.monitoring_dock) == Qt.BottomDockWidgetArea


def test_champion_and_challenger_are_shown_side_by_side(
    qtbot, tmp_path, bundle, store_url, penguins_csv, penguins_df
):
    """The champion in live drifted; its challenger in dev, scored on calm rows (as a
    --shadow server logs them), is ok: one row per monitor and column, both verdicts."""
    challenger = Bundle.load(
        build_bundle(scoring_workflow(penguins_csv), tmp_path / "bundles" / "v2", version="2").path
    )
    store = MonitorStore(store_url, background=False)
    calm = penguins_df.dropna().drop(columns=["species"]).sample(300, replace=True, random_state=4)
    log_scored(store, challenger, calm, "shadow")
    store.close()
    reg = Registry(workspace=tmp_path / "ws", config=RegistryConfig(environments=["dev", "live"]))
    for b in (bundle, challenger):
        reg.register(b.path)
    reg.promote(f"{bundle.name}:{bundle.version}", "dev")
    reg.promote(f"{bundle.name}:{bundle.version}", "live")
    reg.promote(f"{challenger.name}:{challenger.version}", "dev")
    panel = MonitoringPanel(reg, workspace=tmp_path / "ws")
    qtbot.addWidget(panel)
    panel.resize(1100, 760)
    panel.show()
    panel.source.setCurrentIndex(1)
    panel.env.setCurrentText("live")
    panel.challenger_env.setCurrentText("dev")
    panel.store_url.setText(store_url)
    result = evaluate_in(qtbot, panel)
    assert result.challenger is not None and result.challenger.version == "2"
    assert result.status.verdict.value == "alert" and result.challenger.verdict.value == "ok"
    header = [panel.versus.horizontalHeaderItem(i).text() for i in range(7)]
    assert header[3:] == ["v1", "v1 verdict", "v2", "v2 verdict"]
    rows = {(m, c): (a, b) for m, c, a, b in zip(*(cells(panel.versus, i) for i in (0, 1, 4, 6)))}
    shifted = [k for k in rows if k[1].split(" ")[0] in SHIFTED]
    assert shifted and all(rows[k] == ("alert", "ok") for k in shifted)
    assert "challenger 2: ok" in panel.status.text()
    panel.tabs.setCurrentWidget(panel.versus)
    assert panel.grab().save(str(tmp_path / "champion_vs_challenger.png"))
    panel.challenger_env.setCurrentText("(no challenger)")
    evaluate_in(qtbot, panel)
    assert panel.versus.rowCount() == 0
    reg.close()
