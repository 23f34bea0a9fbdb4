"""A server following registry://MODEL@ENV swaps to the new bundle when the alias moves,
and never swaps in a bundle that fails verification."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pandas as pd
import pytest

from studio.core import Workflow
from studio.serve import ModelHolder
from studio.serve.watch import AliasWatcher, bundle_loader, follow

# Keys, workspace and registry variables of the developer's machine never leak in.
from ..registry.conftest import _isolated_home  # noqa: F401


def _iris_workflow(csv: Path, C: float) -> Workflow:
    wf = Workflow.new("iris")
    read = wf.add_node("io.csv_reader", settings={"path": str(csv)})
    roles = wf.add_node("manipulation.column_roles", settings={"target": "species"})
    split = wf.add_node(
        "validation.partitioning", settings={"method": "stratified", "column": "species", "seed": 1}
    )
    learn = wf.add_node("learners.logistic_regression", settings={"C": C})
    dep_in = wf.add_node("deployment.input")
    predict = wf.add_node("scoring.predictor")
    dep_out = wf.add_node("deployment.output")
    wf.connect(read.id, 0, roles.id, 0)
    wf.connect(roles.id, 0, split.id, 0)
    wf.connect(split.id, "train", learn.id, 0)
    wf.connect(split.id, "test", dep_in.id, 0)
    wf.connect(learn.id, 0, predict.id, "model")
    wf.connect(dep_in.id, 0, predict.id, "table")
    wf.connect(predict.id, 0, dep_out.id, 0)
    return wf


@pytest.fixture(scope="session")
def real_bundles(tmp_path_factory):
    """Two real signed bundles (C=1 and C=0.01) and the folder of the key that signed them."""
    from sklearn.datasets import load_iris

    from studio.deploy import build_bundle

    root = tmp_path_factory.mktemp("iris")
    home = root / "home"
    old = os.environ.get("KNOTWORK_HOME")
    os.environ["KNOTWORK_HOME"] = str(home)
    try:
        data = load_iris(as_frame=True)
        df = data.frame.rename(columns=lambda c: c.replace(" (cm)", "").replace(" ", "_"))
        df["species"] = data.target_names[data.target]
        csv = root / "iris.csv"
        df.drop(columns="target").to_csv(csv, index=False)
        out = {}
        for version, C in (("1", 1.0), ("2", 0.01)):
            out[version] = build_bundle(
                _iris_workflow(csv, C), root / f"iris-{version}", name="iris", version=version
            ).path
    finally:
        if old is None:
            os.environ.pop("KNOTWORK_HOME", None)
        else:
            os.environ["KNOTWORK_HOME"] = old
    return out, [str(home / "keys" / "trusted")]


@pytest.fixture
def served(registry, real_bundles):
    paths, keys = real_bundles
    for p in paths.values():
        registry.register(p)
    registry.promote("iris:1", "dev")
    bundle, watcher = follow("registry://iris@dev", keys, registry)
    holder = ModelHolder(bundle)
    watcher.holder = holder
    return registry, watcher, holder


ROW = pd.DataFrame(
    [{"sepal_length": 5.9, "sepal_width": 3.0, "petal_length": 4.2, "petal_width": 1.5}]
)


def test_watcher_swaps_to_the_version_the_alias_moves_to(served):
    registry, watcher, holder = served
    assert holder.current.version == "1"
    assert watcher.poll_once() == "unchanged"
    registry.promote("iris:2", "dev", reason="retrained")
    assert watcher.poll_once() == "swapped"
    assert holder.current.version == "2" and watcher.current_version == "2"
    assert "prediction" in holder.current.bundle.predict(ROW).columns


def test_corrupt_new_version_is_never_swapped_in(served):
    registry, watcher, holder = served
    artifact = Path(registry.version("iris", "2").artifact)
    victim = next(
        p for p in sorted(artifact.rglob("*")) if p.is_file() and p.parent.name == "state"
    )
    victim.write_bytes(b"corrupted")
    events = []
    watcher._on_event = events.append
    registry.promote("iris:2", "dev")
    assert watcher.poll_once() == "error"
    assert holder.current.version == "1"
    assert events[-1]["kind"] == "error" and "corrupt" in events[-1]["error"]
    assert watcher.poll_once() == "error" and len(events) == 1  # reported once, not on every poll


def test_background_thread_follows_a_rollback(served):
    registry, watcher, holder = served
    registry.promote("iris:2", "dev")
    swapped = threading.Event()
    watcher._on_event = lambda e: swapped.set() if e["kind"] == "swapped" else None
    watcher.interval = 0.05
    watcher.start()
    try:
        assert swapped.wait(30) and holder.current.version == "2"
        swapped.clear()
        registry.rollback("iris", "dev", reason="bad latency")
        assert swapped.wait(30) and holder.current.version == "1"
    finally:
        watcher.stop()


def test_watching_needs_an_alias(registry):
    from studio.registry import RegistryError

    with pytest.raises(RegistryError, match="names an alias"):
        AliasWatcher("registry://iris:3", None, registry=registry, load=bundle_loader())


def test_knotwork_serve_registry_uri_serves_the_alias_and_follows_it(registry, real_bundles):
    """The server app `knotwork serve registry://iris@dev` builds: answers with the version
    dev names, and after a promotion answers with the new one, no request failing between."""
    from fastapi.testclient import TestClient

    from studio.serve import ServerSettings
    from studio.serve.server import build_app

    paths, keys = real_bundles
    for p in paths.values():
        registry.register(p)
    registry.promote("iris:1", "dev")
    settings = ServerSettings(
        bundle="registry://iris@dev",
        registry_url=registry.url,
        keys=keys,
        unknown_category="error",
        max_body_mb=1.0,
        monitor=False,
    )
    app = build_app(settings)
    watcher = next(
        f.__self__
        for f in app.router.on_shutdown
        if isinstance(getattr(f, "__self__", None), AliasWatcher)
    )
    swapped = threading.Event()
    watcher._on_event = lambda e: swapped.set() if e["kind"] == "swapped" else None
    row = ROW.to_dict(orient="records")
    with TestClient(app) as client:
        assert client.get("/metadata").json()["version"] == "1"
        registry.promote("iris:2", "dev", reason="retrained")
        while not swapped.is_set():  # requests keep succeeding while the new bundle loads
            assert client.post("/predict", json=row).status_code == 200
            swapped.wait(0.05)
        assert client.get("/metadata").json()["version"] == "2"
        assert client.post("/predict", json=row).status_code == 200
    assert watcher._thread is None  # stopped with the app


def test_a_swap_writes_a_log_line_naming_the_new_and_old_version(served, caplog):
    registry, watcher, _ = served
    registry.promote("iris:2", "dev")
    with caplog.at_level("INFO", logger="knotwork.serve.watch"):
        assert watcher.poll_once() == "swapped"
    assert "iris@dev moved: now serving version 2 (was 1)" in caplog.text


def test_registry_diff_names_the_learner_setting_that_changed(registry, real_bundles):
    from studio.registry.diff import diff_text

    paths, _ = real_bundles
    for p in paths.values():
        registry.register(p)
    d = registry.diff("iris:1", "iris:2")
    changes = {(c.label, c.setting): (c.before, c.after) for c in d.graph.changed_settings}
    assert changes[("Logistic Regression Learner", "C")] == (1.0, 0.01)
    assert "~ Logistic Regression Learner.C: 1.0 → 0.01" in diff_text(d)
