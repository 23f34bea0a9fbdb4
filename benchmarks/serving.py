"""Serving: one fitted scikit-learn model on 20 numeric features, served by `knotwork serve`
and by `mlflow models serve --env-manager local` (one worker each, loopback, in one run):
single-row p50/p99 latency over sequential keep-alive requests, rows/s with 16 concurrent
clients, and in-process predict on one row. Prints ratios to MLflow.

Goal: at least 5x lower p50 latency and 5x higher throughput than MLflow.
MLflow is installed into its own venv under benchmarks/.cache on first use; if that
fails, the MLflow column is skipped with a note.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "benchmarks" / ".cache"
MLFLOW_VENV = CACHE / "mlflow-venv"
FEATURES = [f"f{i:02d}" for i in range(20)]
SEQUENTIAL = int(os.environ.get("KNOTWORK_BENCH_SERVE_REQUESTS", "2000"))
CLIENTS = 16
PER_CLIENT = int(os.environ.get("KNOTWORK_BENCH_SERVE_PER_CLIENT", "150"))
BATCH_ROWS = 100
CLIENT_PROCESSES = 4  # 16 clients as 4 processes x 4 threads, so the client side is not one GIL


# ---------------------------------------------------------------- the model
def make_data(folder: Path) -> tuple[Path, pd.DataFrame]:
    from sklearn.datasets import make_classification

    X, y = make_classification(n_samples=4000, n_features=20, n_informative=12, random_state=7)
    df = pd.DataFrame(X, columns=FEATURES)
    df["label"] = np.where(y == 1, "positive", "negative")
    path = folder / "train.csv"
    df.to_csv(path, index=False)
    return path, df


def build_knotwork(folder: Path, csv: Path) -> tuple[Path, object]:
    """Train in a Knotwork workflow and build its bundle; return the bundle and the fitted estimator."""
    from studio.core import Workflow
    from studio.deploy import build_bundle

    wf = Workflow.new("serving-bench")
    read = wf.add_node("io.csv_reader", settings={"path": str(csv)})
    roles = wf.add_node("manipulation.column_roles", settings={"target": "label"})
    split = wf.add_node(
        "validation.partitioning", settings={"method": "stratified", "column": "label", "seed": 1}
    )
    learn = wf.add_node("learners.logistic_regression")
    dep_in = wf.add_node("deployment.input", settings={"columns": FEATURES})
    predict = wf.add_node("scoring.predictor")
    # Every column out (features echoed, prediction, probabilities): the probability columns
    # are named after the classes, which configure cannot know before the fit, so none is picked.
    dep_out = wf.add_node("deployment.output")
    wf.connect(read.id, 0, roles.id, 0)
    wf.connect(roles.id, 0, split.id, 0)
    wf.connect(split.id, "train", learn.id, 0)
    wf.connect(split.id, "test", dep_in.id, 0)
    wf.connect(learn.id, 0, predict.id, "model")
    wf.connect(dep_in.id, 0, predict.id, "table")
    wf.connect(predict.id, 0, dep_out.id, 0)
    result = build_bundle(wf, folder / "bundle", name="bench", version="1")
    return result.path, wf.output(learn.id, 0).estimator


MLFLOW_SAVE = textwrap.dedent(
    """
    import sys, mlflow.sklearn, skops.io as sio
    src, out = sys.argv[1], sys.argv[2]
    model = sio.load(src, trusted=sio.get_untrusted_types(file=src))
    mlflow.sklearn.save_model(model, out)
    """
)

MLFLOW_INPROCESS = textwrap.dedent(
    """
    import sys, json, time, pandas as pd, mlflow.pyfunc
    model = mlflow.pyfunc.load_model(sys.argv[1])
    row = pd.DataFrame([json.loads(sys.argv[2])])
    for _ in range(200): model.predict(row)
    times = []
    for _ in range(int(sys.argv[3])):
        t = time.perf_counter(); model.predict(row); times.append(time.perf_counter() - t)
    times.sort(); print(json.dumps({"p50": times[len(times) // 2]}))
    """
)


def ensure_mlflow() -> Path | None:
    """The venv's mlflow executable, installing MLflow there on first use; None if that fails."""
    exe = MLFLOW_VENV / "bin" / "mlflow"
    if exe.exists():
        return exe
    import sklearn
    import skops

    print(f"installing MLflow into {MLFLOW_VENV} (first run only) ...", flush=True)
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(MLFLOW_VENV)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        pins = ["mlflow", f"scikit-learn=={sklearn.__version__}", f"skops=={skops.__version__}"]
        subprocess.run(
            [str(MLFLOW_VENV / "bin" / "pip"), "install", "-q", *pins],
            check=True,
            capture_output=True,
            timeout=1800,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"SKIP mlflow: could not install it into {MLFLOW_VENV}: {exc}")
        shutil.rmtree(MLFLOW_VENV, ignore_errors=True)
        return None
    return exe if exe.exists() else None


# ---------------------------------------------------------------- servers
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A server process on 127.0.0.1, ready once `health` answers (bounded polling)."""

    def __init__(self, cmd: list[str], port: int, health: str, env: dict[str, str]):
        self.url = f"http://127.0.0.1:{port}"
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        pace = threading.Event()
        with httpx.Client(base_url=self.url, timeout=2) as c:
            for _ in range(1200):  # up to ~60 s: MLflow imports a lot
                if self.proc.poll() is not None:
                    break
                try:
                    if c.get(health).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                pace.wait(0.05)
        self.stop()
        self.log.seek(0)
        raise RuntimeError(
            f"{cmd[0]} did not start:\n{self.log.read().decode(errors='replace')[-2000:]}"
        )

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ---------------------------------------------------------------- measurements
def latency(url: str, path: str, body: bytes) -> tuple[float, float]:
    times = []
    headers = {"Content-Type": "application/json"}
    with httpx.Client(base_url=url, timeout=30) as c:
        for _ in range(100):
            c.post(path, content=body, headers=headers).raise_for_status()
        for _ in range(SEQUENTIAL):
            t = time.perf_counter()
            c.post(path, content=body, headers=headers).raise_for_status()
            times.append(time.perf_counter() - t)
    times.sort()
    return times[len(times) // 2] * 1e3, times[int(len(times) * 0.99)] * 1e3


def _client_process(url: str, path: str, body: bytes, threads: int, requests: int) -> int:
    def one() -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            for _ in range(requests):
                c.post(
                    path, content=body, headers={"Content-Type": "application/json"}
                ).raise_for_status()

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return threads * requests


def throughput(url: str, path: str, body: bytes, rows_per_request: int) -> float:
    per = CLIENTS // CLIENT_PROCESSES
    _client_process(url, path, body, 2, 20)  # warm up
    with ProcessPoolExecutor(CLIENT_PROCESSES) as pool:
        list(pool.map(len, [""] * CLIENT_PROCESSES))  # start the client processes before timing
        t = time.perf_counter()
        done = sum(
            pool.map(
                _client_process,
                *([arg] * CLIENT_PROCESSES for arg in (url, path, body, per, PER_CLIENT)),
            )
        )
        elapsed = time.perf_counter() - t
    return done * rows_per_request / elapsed


def measure(name: str, url: str, path: str, wrap) -> dict[str, float]:
    one = json.dumps(wrap(ROW)).encode()
    batch = json.dumps(wrap(BATCH)).encode()
    p50, p99 = latency(url, path, one)
    out = {
        "p50": p50,
        "p99": p99,
        "rps1": throughput(url, path, one, 1),
        "rps100": throughput(url, path, batch, BATCH_ROWS),
    }
    print(f"  measured {name}", flush=True)
    return out


def in_process_knotwork(bundle_path: Path) -> float:
    from studio.deploy import Bundle

    bundle = Bundle.load(bundle_path)
    row = pd.DataFrame(ROW)
    for _ in range(200):
        bundle.predict(row)
    times = []
    for _ in range(SEQUENTIAL):
        t = time.perf_counter()
        bundle.predict(row)
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


ROW: list[dict] = []
BATCH: list[dict] = []


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="knotwork-serving-bench-"))
    env = {**os.environ, "KNOTWORK_HOME": str(work / "home")}
    os.environ["KNOTWORK_HOME"] = env["KNOTWORK_HOME"]
    servers: list[Server] = []
    try:
        csv, df = make_data(work)
        bundle_path, estimator = build_knotwork(work, csv)
        ROW.extend(df[FEATURES].head(1).to_dict(orient="records"))
        BATCH.extend(df[FEATURES].head(BATCH_ROWS).to_dict(orient="records"))
        results: dict[str, dict[str, float]] = {}
        labels: dict[str, list] = {}
        py = (
            str(ROOT / ".venv" / "bin" / "python")
            if (ROOT / ".venv" / "bin" / "python").exists()
            else sys.executable
        )
        for label, extra in (("knotwork", []), ("knotwork (graph, no ONNX)", ["--no-onnx"])):
            port = free_port()
            cmd = [
                py,
                "-m",
                "studio",
                "serve",
                str(bundle_path),
                "--port",
                str(port),
                "--no-monitor",
                *extra,
            ]
            srv = Server(cmd, port, "/health", env)
            servers.append(srv)
            results[label] = measure(label, srv.url, "/predict", lambda rows: rows)
            if not extra:
                labels["knotwork"] = [
                    p["prediction"]
                    for p in httpx.post(f"{srv.url}/predict", json=BATCH, timeout=30).json()[
                        "predictions"
                    ]
                ]
            srv.stop()
        results["knotwork"]["inproc"] = in_process_knotwork(bundle_path)

        mlflow = ensure_mlflow()
        if mlflow is not None:
            import skops.io as sio

            sio.dump(estimator, work / "model.skops")
            vpy = str(MLFLOW_VENV / "bin" / "python")
            subprocess.run(
                [vpy, "-c", MLFLOW_SAVE, str(work / "model.skops"), str(work / "mlflow-model")],
                check=True,
                capture_output=True,
            )
            port = free_port()
            cmd = [
                str(mlflow),
                "models",
                "serve",
                "-m",
                str(work / "mlflow-model"),
                "--env-manager",
                "local",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-w",
                "1",
            ]
            srv = Server(cmd, port, "/ping", env)
            servers.append(srv)
            results["mlflow"] = measure(
                "mlflow", srv.url, "/invocations", lambda rows: {"dataframe_records": rows}
            )
            answer = httpx.post(
                f"{srv.url}/invocations", json={"dataframe_records": BATCH}, timeout=30
            ).json()
            labels["mlflow"] = answer["predictions"]
            srv.stop()
            out = subprocess.run(
                [
                    vpy,
                    "-c",
                    MLFLOW_INPROCESS,
                    str(work / "mlflow-model"),
                    json.dumps(ROW[0]),
                    str(SEQUENTIAL),
                ],
                check=True,
                capture_output=True,
                text=True,
            )
            results["mlflow"]["inproc"] = (
                json.loads(out.stdout.strip().splitlines()[-1])["p50"] * 1e3
            )
        report(results, labels)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


def report(results: dict[str, dict[str, float]], labels: dict[str, list]) -> None:
    if "mlflow" in labels:
        same = list(map(str, labels["mlflow"])) == list(map(str, labels["knotwork"]))
        print(f"both servers give the same labels on {BATCH_ROWS} rows: {same}")
    rows = [
        ("single-row latency p50 (ms)", "p50", False),
        ("single-row latency p99 (ms)", "p99", False),
        (f"rows/s, {CLIENTS} clients x 1-row requests", "rps1", True),
        (f"rows/s, {CLIENTS} clients x {BATCH_ROWS}-row requests", "rps100", True),
        ("in-process predict, 1 row, p50 (ms)", "inproc", False),
    ]
    names = list(results)
    width = 44
    print()
    print(
        "metric".ljust(width)
        + "".join(n.rjust(28) for n in names)
        + ("  knotwork vs mlflow" if "mlflow" in results else "")
    )
    for title, key, higher_better in rows:
        cells = "".join(
            (
                f"{results[n][key]:,.3f}"
                if key in results[n] and results[n][key] < 100
                else f"{results[n].get(key, float('nan')):,.0f}"
            ).rjust(28)
            for n in names
        )
        ratio = ""
        if "mlflow" in results and key in results["mlflow"] and key in results["knotwork"]:
            r = (
                results["knotwork"][key] / results["mlflow"][key]
                if higher_better
                else results["mlflow"][key] / results["knotwork"][key]
            )
            ratio = f"  {r:,.1f}x {'higher' if higher_better else 'lower'}"
        print(title.ljust(width) + cells + ratio)


if __name__ == "__main__":
    sys.exit(main())
