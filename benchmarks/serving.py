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
import multiprocessing
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
PER_CLIENT = int(os.environ.get("KNOTWORK_BENCH_SERVE_PER_CLIENT", "100"))
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
    # Answer the prediction and probabilities only (as MLflow does): drop the echoed features.
    # (Excluding is spelled without the class names, which configure cannot know before the fit.)
    keep = wf.add_node(
        "manipulation.column_filter", settings={"mode": "exclude", "columns": FEATURES}
    )
    dep_out = wf.add_node("deployment.output")
    wf.connect(read.id, 0, roles.id, 0)
    wf.connect(roles.id, 0, split.id, 0)
    wf.connect(split.id, "train", learn.id, 0)
    wf.connect(split.id, "test", dep_in.id, 0)
    wf.connect(learn.id, 0, predict.id, "model")
    wf.connect(dep_in.id, 0, predict.id, "table")
    wf.connect(predict.id, 0, keep.id, 0)
    wf.connect(keep.id, 0, dep_out.id, 0)
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
    """`threads` keep-alive clients, each sending `requests` requests. http.client rather than
    httpx here: the client's own CPU cost would otherwise cap what is measured."""
    import http.client
    from urllib.parse import urlsplit

    host, port = urlsplit(url).hostname, urlsplit(url).port
    headers = {"Content-Type": "application/json"}
    failures: list[str] = []

    def one() -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            for _ in range(requests):
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    failures.append(f"HTTP {resp.status}")
                    return
        finally:
            conn.close()

    workers = [threading.Thread(target=one) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        raise RuntimeError(f"{url}{path}: {failures[0]}")
    return threads * requests


def throughput(url: str, path: str, body: bytes, rows_per_request: int) -> float:
    per = CLIENTS // CLIENT_PROCESSES
    _client_process(url, path, body, 2, 20)  # warm up
    # spawn, not fork: forking a process that already ran client threads can deadlock the children
    with ProcessPoolExecutor(
        CLIENT_PROCESSES, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
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


def health_floor(url: str, path: str) -> float:
    """p50 of GET on the server's health route: what the client and HTTP stack cost alone."""
    times = []
    with httpx.Client(base_url=url, timeout=30) as c:
        for i in range(100 + SEQUENTIAL // 2):
            t = time.perf_counter()
            c.get(path).raise_for_status()
            if i >= 100:
                times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def measure(name: str, url: str, path: str, wrap, health: str) -> dict[str, float]:
    one = json.dumps(wrap(ROW)).encode()
    batch = json.dumps(wrap(BATCH)).encode()
    p50, p99 = latency(url, path, one)
    out = {
        "floor": health_floor(url, health),
        "p50": p50,
        "p99": p99,
        "rps1": throughput(url, path, one, 1),
        "rps100": throughput(url, path, batch, BATCH_ROWS),
    }
    print(f"  measured {name}", flush=True)
    return out


def _p50(fn, n: int) -> float:
    for _ in range(200):
        fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def in_process_knotwork(bundle_path: Path) -> dict[str, float]:
    """`bundle.predict` on a one-row frame, and the server's own path (parse + score)."""
    from studio.deploy import Bundle
    from studio.serve import ServedModel

    bundle = Bundle.load(bundle_path)
    row = pd.DataFrame(ROW)
    served = ServedModel(bundle)
    return {
        "inproc": _p50(lambda: bundle.predict(row), SEQUENTIAL),
        "served": _p50(lambda: served.predict(served.inputs.from_records(ROW)), SEQUENTIAL),
    }


ROW: list[dict] = []
BATCH: list[dict] = []


def run_knotwork(
    bundle_path: Path, env: dict[str, str], servers: list[Server], results: dict, labels: dict
) -> None:
    venv_py = ROOT / ".venv" / "bin" / "python"
    py = str(venv_py) if venv_py.exists() else sys.executable
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
        results[label] = measure(label, srv.url, "/predict", lambda rows: rows, "/health")
        if not extra:
            answer = httpx.post(f"{srv.url}/predict", json=BATCH, timeout=30).json()
            labels["knotwork"] = [p["prediction"] for p in answer["predictions"]]
        srv.stop()
    results["knotwork"].update(in_process_knotwork(bundle_path))


def run_mlflow(
    mlflow: Path,
    estimator,
    work: Path,
    env: dict[str, str],
    servers: list[Server],
    results: dict,
    labels: dict,
) -> None:
    """The same fitted estimator (handed over with skops) saved as an MLflow model and served."""
    import skops.io as sio

    sio.dump(estimator, work / "model.skops")
    vpy = str(MLFLOW_VENV / "bin" / "python")
    model = str(work / "mlflow-model")
    subprocess.run(
        [vpy, "-c", MLFLOW_SAVE, str(work / "model.skops"), model], check=True, capture_output=True
    )
    port = free_port()
    # mlflow execs `uvicorn` by name: its venv's bin must come first on PATH.
    menv = {**env, "PATH": f"{MLFLOW_VENV / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    cmd = [
        str(mlflow),
        "models",
        "serve",
        "-m",
        model,
        "--env-manager",
        "local",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "-w",
        "1",
    ]
    srv = Server(cmd, port, "/ping", menv)
    servers.append(srv)
    results["mlflow"] = measure(
        "mlflow", srv.url, "/invocations", lambda rows: {"dataframe_records": rows}, "/ping"
    )
    labels["mlflow"] = httpx.post(
        f"{srv.url}/invocations", json={"dataframe_records": BATCH}, timeout=30
    ).json()["predictions"]
    srv.stop()
    args = [vpy, "-c", MLFLOW_INPROCESS, model, json.dumps(ROW[0]), str(SEQUENTIAL)]
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=menv)
    results["mlflow"]["inproc"] = json.loads(out.stdout.strip().splitlines()[-1])["p50"] * 1e3


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="knotwork-serving-bench-"))
    env = {**os.environ, "KNOTWORK_HOME": str(work / "home")}
    os.environ["KNOTWORK_HOME"] = env["KNOTWORK_HOME"]
    servers: list[Server] = []
    results: dict[str, dict[str, float]] = {}
    labels: dict[str, list] = {}
    try:
        csv, df = make_data(work)
        bundle_path, estimator = build_knotwork(work, csv)
        ROW.extend(df[FEATURES].head(1).to_dict(orient="records"))
        BATCH.extend(df[FEATURES].head(BATCH_ROWS).to_dict(orient="records"))
        run_knotwork(bundle_path, env, servers, results, labels)
        mlflow = ensure_mlflow()
        if mlflow is not None:
            try:
                run_mlflow(mlflow, estimator, work, env, servers, results, labels)
            except (RuntimeError, subprocess.SubprocessError, httpx.HTTPError) as exc:
                results.pop("mlflow", None)
                print(
                    f"SKIP mlflow: it could not be served or measured: {str(exc).splitlines()[0]}"
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
    rows = [  # (title, key, higher is better, format)
        ("health-check GET p50, the HTTP floor (ms)", "floor", False, "{:.2f}"),
        ("single-row latency p50 (ms)", "p50", False, "{:.2f}"),
        ("single-row latency p99 (ms)", "p99", False, "{:.2f}"),
        (f"rows/s, {CLIENTS} clients x 1-row requests", "rps1", True, "{:,.0f}"),
        (f"rows/s, {CLIENTS} clients x {BATCH_ROWS}-row requests", "rps100", True, "{:,.0f}"),
        ("in-process bundle.predict, 1 row, p50 (ms)", "inproc", False, "{:.3f}"),
        ("in-process server path (parse+score), 1 row (ms)", "served", False, "{:.3f}"),
    ]
    names = list(results)
    width, col = 50, 27
    print()
    print(
        "metric".ljust(width)
        + "".join(n.rjust(col) for n in names)
        + ("   knotwork vs mlflow" if "mlflow" in results else "")
    )
    for title, key, higher_better, fmt in rows:
        cells = "".join(
            (fmt.format(results[n][key]) if key in results[n] else "-").rjust(col) for n in names
        )
        ratio = ""
        if "mlflow" in results and key in results["mlflow"] and key in results["knotwork"]:
            k, m = results["knotwork"][key], results["mlflow"][key]
            ratio = f"   {k / m if higher_better else m / k:.1f}x {'higher' if higher_better else 'lower'}"
        print(title.ljust(width) + cells + ratio)


if __name__ == "__main__":
    sys.exit(main())
