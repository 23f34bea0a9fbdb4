"""Serving, in one run against MLflow (`mlflow models serve --env-manager local`, one
worker each, loopback), for two bundles on 20 numeric features:

- A: a logistic regression, which ONNX takes; served by each plan in turn (onnx,
  compiled with --no-onnx, graph with --no-onnx --no-compiled) and by onnx at 2 workers;
- B: a HistGradientBoosting model after an Expression node (ONNX refuses the scope);
  served by the compiled plan and by the graph (--no-compiled). MLflow serves the same
  fitted model, its request rows carrying the expression's column already computed.

Per server: single-row p50/p99 latency over sequential keep-alive requests, rows/s with
16 concurrent clients (1-row and 100-row requests), in-process `Bundle.predict` on one
row (MLflow: pyfunc predict); for the graph path, the engine's own work per node. Then
the issue-11 goals, met or not. MLflow is installed into its own venv under
benchmarks/.cache on first use; if that fails, the MLflow columns are skipped.
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


MIX = "f00 * f01 + f02"  # bundle B's Expression: a derived feature named "mix"


def build_knotwork(folder: Path, csv: Path, case: str) -> tuple[Path, object]:
    """Train in a Knotwork workflow and build its bundle; return the bundle and the fitted estimator."""
    from studio.core import Workflow
    from studio.deploy import build_bundle

    boosted = case == "B"
    wf = Workflow.new(f"serving-bench-{case}")
    read = wf.add_node("io.csv_reader", settings={"path": str(csv)})
    roles = wf.add_node("manipulation.column_roles", settings={"target": "label"})
    split = wf.add_node(
        "validation.partitioning", settings={"method": "stratified", "column": "label", "seed": 1}
    )
    learner = "learners.gradient_boosting_classifier" if boosted else "learners.logistic_regression"
    learn = wf.add_node(learner)
    dep_in = wf.add_node("deployment.input", settings={"columns": FEATURES})
    predict = wf.add_node("scoring.predictor")
    # Answer the prediction and probabilities only (as MLflow does): drop the echoed features.
    # (Excluding is spelled without the class names, which configure cannot know before the fit.)
    dropped = [*FEATURES, "mix"] if boosted else FEATURES
    keep = wf.add_node(
        "manipulation.column_filter", settings={"mode": "exclude", "columns": dropped}
    )
    dep_out = wf.add_node("deployment.output")
    wf.connect(read.id, 0, roles.id, 0)
    wf.connect(roles.id, 0, split.id, 0)
    if boosted:
        mix_train = wf.add_node(
            "manipulation.expression", settings={"column": "mix", "expression": MIX}
        )
        mix = wf.add_node("manipulation.expression", settings={"column": "mix", "expression": MIX})
        wf.connect(split.id, "train", mix_train.id, 0)
        wf.connect(mix_train.id, 0, learn.id, 0)
        wf.connect(split.id, "test", dep_in.id, 0)
        wf.connect(dep_in.id, 0, mix.id, 0)
        wf.connect(mix.id, 0, predict.id, "table")
    else:
        wf.connect(split.id, "train", learn.id, 0)
        wf.connect(split.id, "test", dep_in.id, 0)
        wf.connect(dep_in.id, 0, predict.id, "table")
    wf.connect(learn.id, 0, predict.id, "model")
    wf.connect(predict.id, 0, keep.id, 0)
    wf.connect(keep.id, 0, dep_out.id, 0)
    result = build_bundle(wf, folder / f"bundle-{case}", name=f"bench-{case}", version="1")
    return result.path, wf.output(learn.id, 0).estimator


MLFLOW_SAVE = textwrap.dedent(
    """
    import sys, mlflow.sklearn, skops.io as sio
    src, out = sys.argv[1], sys.argv[2]
    trusted = sio.get_untrusted_types(file=src)
    model = sio.load(src, trusted=trusted)
    try:  # MLflow 3 saves with skops and wants the same types trusted (HistGradientBoosting's)
        mlflow.sklearn.save_model(model, out, skops_trusted_types=trusted)
    except TypeError:  # an MLflow without skops serialisation
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
            for _ in range(3600):  # up to ~3 min: MLflow imports a lot; workers prove plans
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


def in_process_knotwork(bundle_path: Path, exclude: tuple[str, ...]) -> dict[str, float]:
    """`bundle.predict` on a one-row frame with the plans in `exclude` off, the server's own
    path (parse + score), and for the graph path the engine's work per node: the time of
    `predict` outside the nodes' own execute/apply, divided by the number of nodes."""
    import studio.deploy.bundle as bundle_module
    from studio.deploy import Bundle
    from studio.serve import ServedModel

    bundle = Bundle.load(bundle_path)
    for name in exclude:
        bundle.plans.pop(name, None)
    row = pd.DataFrame(ROW)
    served = ServedModel(bundle)
    out = {
        "inproc": _p50(lambda: bundle.predict(row), SEQUENTIAL),
        "served": _p50(lambda: served.predict(served.inputs.from_records(ROW)), SEQUENTIAL),
    }
    if bundle.plan == "graph":
        inside = [0.0]
        real = bundle_module.run_node

        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                inside[0] += time.perf_counter() - t

        bundle_module.run_node = timed
        try:
            for _ in range(200):
                bundle.predict(row)
            inside[0], n = 0.0, SEQUENTIAL
            t = time.perf_counter()
            for _ in range(n):
                bundle.predict(row)
            total = time.perf_counter() - t
        finally:
            bundle_module.run_node = real
        out["engine_us"] = (total - inside[0]) / n / len(bundle._steps) * 1e6
    return out


ROW: list[dict] = []
BATCH: list[dict] = []
MIX_VALUES: dict[str, list[float]] = {}  # bundle B's derived column for MLflow's rows


def knotwork_configs(case: str) -> list[tuple[str, list[str], tuple[str, ...], int]]:
    """(label, serve options, plans off, workers) of each Knotwork server measured."""
    if case == "A":
        return [
            ("knotwork onnx", [], (), 1),
            ("knotwork compiled", ["--no-onnx"], ("onnx",), 1),
            ("knotwork graph", ["--no-onnx", "--no-compiled"], ("onnx", "compiled"), 1),
            ("knotwork onnx, 2 workers", ["--workers", "2"], (), 2),
        ]
    return [
        ("knotwork compiled", [], (), 1),
        ("knotwork graph", ["--no-compiled"], ("compiled",), 1),
    ]


def run_knotwork(
    case: str,
    bundle_path: Path,
    env: dict[str, str],
    servers: list[Server],
    results: dict,
    labels: dict,
) -> None:
    venv_py = ROOT / ".venv" / "bin" / "python"
    py = str(venv_py) if venv_py.exists() else sys.executable
    for label, extra, off, workers in knotwork_configs(case):
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
        answer = httpx.post(f"{srv.url}/predict", json=BATCH, timeout=30).json()
        labels[label] = [p["prediction"] for p in answer["predictions"]]
        srv.stop()
        if workers == 1:
            results[label].update(in_process_knotwork(bundle_path, off))


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
    shutil.rmtree(model, ignore_errors=True)
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
    row, batch = _with_mix(ROW), _with_mix(BATCH)
    srv = Server(cmd, port, "/ping", menv)
    servers.append(srv)
    results["mlflow"] = measure(
        "mlflow",
        srv.url,
        "/invocations",
        lambda rows: {"dataframe_records": _with_mix(rows)},
        "/ping",
    )
    labels["mlflow"] = httpx.post(
        f"{srv.url}/invocations", json={"dataframe_records": batch}, timeout=30
    ).json()["predictions"]
    srv.stop()
    args = [vpy, "-c", MLFLOW_INPROCESS, model, json.dumps(row[0]), str(SEQUENTIAL)]
    out = subprocess.run(args, check=True, capture_output=True, text=True, env=menv)
    results["mlflow"]["inproc"] = json.loads(out.stdout.strip().splitlines()[-1])["p50"] * 1e3


def _with_mix(rows: list[dict]) -> list[dict]:
    """Bundle B's MLflow rows: the features plus the Expression's column, computed here."""
    if not MIX_VALUES:
        return rows
    return [dict(r, mix=r["f00"] * r["f01"] + r["f02"]) for r in rows]


def run_case(case: str, work: Path, env: dict[str, str], servers: list[Server]) -> dict:
    csv, df = make_data(work)
    bundle_path, estimator = build_knotwork(work, csv, case)
    ROW[:] = df[FEATURES].head(1).to_dict(orient="records")
    BATCH[:] = df[FEATURES].head(BATCH_ROWS).to_dict(orient="records")
    MIX_VALUES.clear()
    if case == "B":
        MIX_VALUES["on"] = [1.0]
    results: dict[str, dict[str, float]] = {}
    labels: dict[str, list] = {}
    print(f"case {case}: measuring", flush=True)
    run_knotwork(case, bundle_path, env, servers, results, labels)
    mlflow = ensure_mlflow()
    if mlflow is not None:
        try:
            run_mlflow(mlflow, estimator, work, env, servers, results, labels)
        except (RuntimeError, subprocess.SubprocessError, httpx.HTTPError) as exc:
            results.pop("mlflow", None)
            print(f"SKIP mlflow: it could not be served or measured: {str(exc).splitlines()[0]}")
    if "mlflow" in labels:
        same = all(list(map(str, v)) == list(map(str, labels["mlflow"])) for v in labels.values())
        print(f"case {case}: every server gives MLflow's labels on {BATCH_ROWS} rows: {same}")
    return results


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="knotwork-serving-bench-"))
    env = {**os.environ, "KNOTWORK_HOME": str(work / "home")}
    os.environ["KNOTWORK_HOME"] = env["KNOTWORK_HOME"]
    servers: list[Server] = []
    try:
        cases = {}
        for case in ("A", "B"):
            cases[case] = run_case(case, work, env, servers)
            report(case, cases[case])  # as soon as measured: a long run shows its progress
        goals(cases)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


COLUMNS = [  # (title, key, format)
    ("GET p50 ms", "floor", "{:.2f}"),
    ("p50 ms", "p50", "{:.2f}"),
    ("p99 ms", "p99", "{:.2f}"),
    (f"rows/s {CLIENTS}x1", "rps1", "{:,.0f}"),
    (f"rows/s {CLIENTS}x{BATCH_ROWS}", "rps100", "{:,.0f}"),
    ("predict 1 row ms", "inproc", "{:.3f}"),
    ("parse+score ms", "served", "{:.3f}"),
    ("engine us/node", "engine_us", "{:.1f}"),
]
TITLES = {
    "A": "A: logistic regression on 20 numbers (ONNX takes it)",
    "B": "B: Expression + HistGradientBoosting on 20 numbers (ONNX refuses the Expression)",
}


def report(case: str, results: dict[str, dict[str, float]]) -> None:
    width, col = 26, 16
    print(f"\n{TITLES[case]}")
    print("server".ljust(width) + "".join(t.rjust(col) for t, _, _ in COLUMNS))
    for name, r in results.items():
        cells = "".join((f.format(r[k]) if k in r else "-").rjust(col) for _, k, f in COLUMNS)
        print(name.ljust(width) + cells)


def goals(cases: dict[str, dict[str, dict[str, float]]]) -> None:
    """The issue-11 goals against MLflow, each with its measured ratio."""
    a, b = cases["A"], cases["B"]
    if "mlflow" not in a or "mlflow" not in b:
        print("\ngoals: MLflow was not measured")
        return
    ma, mb = a["mlflow"], b["mlflow"]
    best100 = max(a["knotwork onnx"]["rps100"], b["knotwork compiled"]["rps100"])
    rows = [  # (measure, value, goal text, met)
        (
            "B graph, single-row p50 vs MLflow",
            b["knotwork graph"]["p50"] / mb["p50"],
            "<= 0.5x",
            lambda v: v <= 0.5,
        ),
        (
            "B graph, rows/s 16x1 vs MLflow",
            b["knotwork graph"]["rps1"] / mb["rps1"],
            ">= 3x",
            lambda v: v >= 3,
        ),
        (
            "B compiled, single-row p50 vs MLflow",
            b["knotwork compiled"]["p50"] / mb["p50"],
            "(best plan)",
            None,
        ),
        (
            "B compiled, rows/s 16x1 vs MLflow",
            b["knotwork compiled"]["rps1"] / mb["rps1"],
            "(best plan)",
            None,
        ),
        (
            "A onnx, single-row p50 vs MLflow",
            a["knotwork onnx"]["p50"] / ma["p50"],
            "<= 0.2x",
            lambda v: v <= 0.2,
        ),
        (
            "A onnx, rows/s 16x1 vs MLflow",
            a["knotwork onnx"]["rps1"] / ma["rps1"],
            ">= 10x",
            lambda v: v >= 10,
        ),
        (
            "A onnx, rows/s 16x100 vs MLflow",
            a["knotwork onnx"]["rps100"] / ma["rps100"],
            ">= 5x",
            lambda v: v >= 5,
        ),
        (
            "B compiled, rows/s 16x100 vs MLflow",
            b["knotwork compiled"]["rps100"] / mb["rps100"],
            ">= 5x",
            lambda v: v >= 5,
        ),
        ("best plan rows/s 16x100 (rows/s)", best100, "", None),
        (
            "A onnx, Bundle.predict 1 row (ms)",
            a["knotwork onnx"]["inproc"],
            "<= 0.2",
            lambda v: v <= 0.2,
        ),
        (
            "B compiled, Bundle.predict 1 row vs MLflow pyfunc",
            b["knotwork compiled"]["inproc"] / mb["inproc"],
            "<= 1x",
            lambda v: v <= 1,
        ),
        (
            "A compiled, Bundle.predict 1 row vs MLflow pyfunc",
            a["knotwork compiled"]["inproc"] / ma["inproc"],
            "<= 1x",
            lambda v: v <= 1,
        ),
        (
            "B graph, engine work per node (us)",
            b["knotwork graph"].get("engine_us", float("nan")),
            "< 50",
            lambda v: v < 50,
        ),
        (
            "A onnx, rows/s 16x1, 2 workers / 1 worker",
            a["knotwork onnx, 2 workers"]["rps1"] / a["knotwork onnx"]["rps1"],
            "(2 cores shared)",
            None,
        ),
    ]
    print("\nissue-11 goals (ratios: knotwork / MLflow)")
    print("measure".ljust(52) + "value".rjust(10) + "goal".rjust(18) + "  met")
    for name, value, goal, met in rows:
        verdict = "" if met is None else ("yes" if met(value) else "NO")
        print(name.ljust(52) + f"{value:10.3g}" + goal.rjust(18) + f"  {verdict}")


if __name__ == "__main__":
    sys.exit(main())
