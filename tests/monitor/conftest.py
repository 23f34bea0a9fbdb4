"""Monitoring fixtures: a store URL per backend — SQLite always, PostgreSQL when
KNOTWORK_TEST_POSTGRES_URL (or the file `.ci/postgres.sh start` writes) names a server;
each test then gets a fresh database."""

from __future__ import annotations

import json
import queue
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from tests.registry.conftest import postgres_url


@pytest.fixture(autouse=True)
def _no_machine_store(monkeypatch, tmp_path):
    monkeypatch.delenv("KNOTWORK_MONITOR_URL", raising=False)
    monkeypatch.setenv("KNOTWORK_WORKSPACE", str(tmp_path))


@pytest.fixture
def fresh_postgres():
    """Make fresh PostgreSQL databases on demand; drops them afterwards."""
    base = postgres_url()
    if not base:
        pytest.skip(
            "KNOTWORK_TEST_POSTGRES_URL is not set (start one with `bash .ci/postgres.sh start`)"
        )
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    names: list[str] = []

    def make(create: bool = True) -> str:
        name = f"kw_mon_{uuid.uuid4().hex[:12]}"
        names.append(name)
        if create:
            with admin.connect() as c:
                c.execute(sa.text(f'CREATE DATABASE "{name}"'))
        return base.rsplit("/", 1)[0] + "/" + name

    make.admin = admin
    yield make
    with admin.connect() as c:
        for name in names:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return str(tmp_path / "monitor.db")
    return request.getfixturevalue("fresh_postgres")()


@pytest.fixture
def store_factory(store_url):
    from studio.monitor import MonitorStore

    opened = []

    def open_(**kw):
        kw.setdefault("background", False)
        store = MonitorStore(store_url, **kw)
        opened.append(store)
        return store

    yield open_
    for store in opened:
        store.close()


@pytest.fixture
def webhook():
    received: queue.Queue = queue.Queue()

    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.put((self.path, json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"json://127.0.0.1:{server.server_port}/hooks/monitor", received
    server.shutdown()
    server.server_close()


def table(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """Mixed columns from fixed distributions; `shift` moves `age`'s mean (in its std)."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.normal(40 + 10 * shift, 10, n),
            "income": rng.lognormal(10, 0.5, n),
            "plan": rng.choice(["basic", "plus", "pro"], n, p=[0.5, 0.3, 0.2]),
            "children": rng.integers(0, 4, n),
            "member": rng.random(n) < 0.3,
        }
    )
