"""Scale-out: N `knotwork serve` processes behind a load balancer share one registry and
one monitoring store on PostgreSQL, so any replica answers for the rows of any other."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import httpx
import pytest

from studio.monitor import MonitorStore
from studio.registry import Registry

from ..monitor.conftest import fresh_postgres  # noqa: F401  (fresh databases on the test server)
from .conftest import free_port

REPLICAS = 2


def _wait_ready(url: str, proc: subprocess.Popen) -> None:
    """Bounded polling of /ready while the process lives."""
    pace = threading.Event()  # never set: only paces the polling
    with httpx.Client(base_url=url, timeout=2) as probe:
        for _ in range(6000):  # generous: a loaded CI machine starts Python slowly
            if proc.poll() is not None:
                raise RuntimeError(f"replica exited with {proc.returncode}: {proc.stderr.read()}")
            try:
                if probe.get("/ready").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            pace.wait(0.05)
    raise RuntimeError(f"{url} was not ready after 6000 attempts")


@pytest.fixture
def replicas(fresh_postgres, bundle_path, knotwork_home, tmp_path):  # noqa: F811
    """REPLICAS servers of registry://penguins@dev, configured by environment only."""
    registry_url, monitor_url = fresh_postgres(), fresh_postgres()
    artifacts = tmp_path / "shared-artifacts"  # a shared volume in a real deployment
    with Registry(registry_url, artifacts=artifacts, workspace=tmp_path) as registry:
        registry.register(bundle_path)
        registry.promote("penguins:1", "dev")
    env = {
        **os.environ,
        "KNOTWORK_HOME": str(knotwork_home),
        "KNOTWORK_REGISTRY_URL": registry_url,
        "KNOTWORK_REGISTRY_ARTIFACTS": str(artifacts),
        "KNOTWORK_MONITOR_URL": monitor_url,
        "KNOTWORK_WORKSPACE": str(tmp_path),
    }
    procs, urls = [], []
    try:
        for _ in range(REPLICAS):
            port = free_port()
            cmd = [
                sys.executable,
                "-m",
                "studio",
                "serve",
                "registry://penguins@dev",
                "--port",
                str(port),
            ]
            procs.append(
                subprocess.Popen(
                    cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
                )
            )
            urls.append(f"http://127.0.0.1:{port}")
        for url, proc in zip(urls, procs, strict=True):
            _wait_ready(url, proc)
        yield urls, monitor_url
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def test_replicas_share_the_registry_and_the_monitoring_store(replicas, example_rows):
    urls, monitor_url = replicas
    ids = []
    for i, url in enumerate(urls):
        with httpx.Client(base_url=url, timeout=30) as c:
            meta = c.get("/metadata").json()
            assert (meta["name"], str(meta["version"])) == ("penguins", "1")
            answer = c.post("/predict", json=example_rows[: i + 1])
            assert answer.status_code == 200
            ids.append(answer.json()["request_id"])
    total = sum(range(1, REPLICAS + 1))
    store = MonitorStore(monitor_url, background=False)
    pace = threading.Event()
    for _ in range(600):  # each replica writes on its own background thread
        if store.count_rows("penguins", "1") == total:
            break
        pace.wait(0.05)
    assert store.count_rows("penguins", "1") == total
    store.close()
    # Feedback for a row the first replica scored, sent to the last one, is matched.
    with httpx.Client(base_url=urls[-1], timeout=30) as c:
        receipt = c.post("/feedback", json=[{"request_id": ids[0], "row": 0, "truth": "Adelie"}])
    assert receipt.status_code == 200
    assert receipt.json()["matched"] == 1
