"""A real bundle built from a small penguins workflow, and a real uvicorn server on
127.0.0.1 serving it, for the server tests."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import uvicorn

from studio.core import Workflow
from studio.deploy import Bundle, build_bundle
from studio.serve import ModelHolder, ServerSettings, create_app

# A registry for the alias-watcher tests, on every backend the registry tests use.
from ..monitor.conftest import webhook  # noqa: F401  (a real receiver on 127.0.0.1)
from ..registry.conftest import db_url, registry, registry_factory  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]
PENGUINS = ROOT / "workspace_templates" / "penguins" / "penguins.csv"
TOKEN = "s3cret-test-token"
OUTPUTS = ["prediction", "probability_Adelie", "probability_Chinstrap", "probability_Gentoo"]


def penguins_workflow() -> Workflow:
    """CSV → split → fill gaps → encode island/sex → scale → logistic regression; the test
    rows go through Deployment Input → three Apply Transforms → Predictor → Deployment Output."""
    wf = Workflow.new("penguins")
    read = wf.add_node("io.csv_reader", settings={"path": str(PENGUINS)})
    roles = wf.add_node("manipulation.column_roles", settings={"target": "species"})
    split = wf.add_node(
        "validation.partitioning", settings={"method": "stratified", "column": "species", "seed": 1}
    )
    fill = wf.add_node("preprocessing.missing_value")
    enc = wf.add_node("preprocessing.category_encoder", settings={"columns": ["island", "sex"]})
    scale = wf.add_node("preprocessing.normalizer")
    learn = wf.add_node("learners.logistic_regression")
    dep_in = wf.add_node("deployment.input")
    fill_test = wf.add_node("preprocessing.apply_transform", label="Fill test")
    enc_test = wf.add_node("preprocessing.apply_transform", label="Encode test")
    scale_test = wf.add_node("preprocessing.apply_transform", label="Scale test")
    predict = wf.add_node("scoring.predictor")
    dep_out = wf.add_node("deployment.output", settings={"columns": OUTPUTS})
    wf.connect(read.id, 0, roles.id, 0)
    wf.connect(roles.id, 0, split.id, 0)
    wf.connect(split.id, "train", fill.id, 0)
    wf.connect(fill.id, "table", enc.id, 0)
    wf.connect(enc.id, "table", scale.id, 0)
    wf.connect(scale.id, "table", learn.id, 0)
    wf.connect(split.id, "test", dep_in.id, 0)
    wf.connect(fill.id, "transform", fill_test.id, "transform")
    wf.connect(dep_in.id, 0, fill_test.id, "table")
    wf.connect(enc.id, "transform", enc_test.id, "transform")
    wf.connect(fill_test.id, 0, enc_test.id, "table")
    wf.connect(scale.id, "transform", scale_test.id, "transform")
    wf.connect(enc_test.id, 0, scale_test.id, "table")
    wf.connect(learn.id, 0, predict.id, "model")
    wf.connect(scale_test.id, 0, predict.id, "table")
    wf.connect(predict.id, 0, dep_out.id, 0)
    return wf


@pytest.fixture(scope="session")
def knotwork_home(tmp_path_factory) -> Iterator[Path]:
    """Signing keys in a throwaway folder, never the user's own."""
    home = tmp_path_factory.mktemp("knotwork-home")
    old = os.environ.get("KNOTWORK_HOME")
    os.environ["KNOTWORK_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("KNOTWORK_HOME", None)
    else:
        os.environ["KNOTWORK_HOME"] = old


@pytest.fixture(scope="session")
def bundle_path(tmp_path_factory, knotwork_home) -> Path:
    out = tmp_path_factory.mktemp("bundles") / "penguins-bundle"
    build_bundle(penguins_workflow(), out, name="penguins", version="1")
    return out


@pytest.fixture(scope="session")
def bundle(bundle_path) -> Bundle:
    return Bundle.load(bundle_path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class RunningServer:
    url: str
    app: object
    server: uvicorn.Server

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)


def start_server(app) -> tuple[RunningServer, threading.Thread]:
    """uvicorn in a background thread; ready once /health answers (bounded polling)."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    poll = threading.Event()  # never set: only paces the bounded polling below
    with httpx.Client(base_url=url, timeout=1) as probe:
        for _ in range(500):
            if not thread.is_alive():
                raise RuntimeError("the test server stopped while starting")
            try:
                if probe.get("/health").status_code == 200:
                    return RunningServer(url, app, server), thread
            except httpx.TransportError:
                poll.wait(0.02)
    raise RuntimeError("the test server did not answer /health after 500 attempts")


def stop_server(running: RunningServer, thread: threading.Thread) -> None:
    running.server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def serve(bundle):
    """Factory: serve(**server settings) → a running server, stopped at session end."""
    started: list[tuple[RunningServer, threading.Thread]] = []

    def make(**options) -> RunningServer:
        running, thread = start_server(create_app(ModelHolder(bundle), ServerSettings(**options)))
        started.append((running, thread))
        return running

    yield make
    for running, thread in started:
        stop_server(running, thread)


@pytest.fixture(scope="session")
def server(serve) -> RunningServer:
    return serve()


@pytest.fixture(scope="session")
def example_rows(bundle) -> list[dict]:
    return bundle.input_example


@pytest.fixture(autouse=True)
def _no_machine_store(monkeypatch, tmp_path):
    """The developer's monitoring store and alert destinations never leak in."""
    for var in ("KNOTWORK_MONITOR_URL", "KNOTWORK_ALERT_URLS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("KNOTWORK_WORKSPACE", str(tmp_path))
