"""Monitoring: drift over 1,000,000 logged rows x 20 columns (14 numeric, 6 categorical,
one of each with planted drift) against a 10,000-row reference, and serving throughput
with monitoring on vs `--no-monitor`.

Drift, ours: the rows are logged to a real MonitorStore SQLite file, then `evaluate` reads
the window from it in chunks (its time, and how much its peak RSS grows, for a window of
a tenth of the rows and of all of them: memory must not grow with the rows); and
`detect_drift` on the same rows held in memory. Evidently's DataDriftPreset runs on the
same in-memory rows in its own venv under benchmarks/.cache (installed on first use; if
that fails, its column is skipped with a note). Each measurement is its own process, so
peak RSS is its own. Per-column verdicts are compared; for references over 1000 rows both
use Wasserstein / reference std and Jensen-Shannon, each at 0.1.

Shadow scoring (`benchmarks/shadow.py`): the champion's single-row latency without and
with `--shadow CHALLENGER`.

Goals: verdicts agree on every column, ours >= 5x faster than Evidently, loss <= 5% of
throughput at 16 clients with monitoring on, champion p50 with a shadow within 10% of
without.

    python benchmarks/monitoring.py [--quick] [--no-evidently] [--no-serving] [--no-shadow]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "benchmarks" / ".cache"
EVIDENTLY_VENV = CACHE / "evidently-venv"
EVIDENTLY_PINS = ["evidently", "pyarrow", "pandas<3"]
NUMERIC = [f"n{i:02d}" for i in range(14)]
CATEGORICAL = [f"c{i:02d}" for i in range(6)]
COLUMNS = NUMERIC + CATEGORICAL
DRIFTED = {"n00", "c00"}  # planted: n00's mean moves 0.5 std, c00's shares move
MODEL = "bench"
SIZES = {"full": (1_000_000, 10_000), "quick": (20_000, 5_000)}
LOG_CHUNK = 20_000
SERVE_ROUNDS = 3


# ---------------------------------------------------------------- data
def make_frame(n: int, seed: int, drift: bool) -> pd.DataFrame:
    """Numeric columns of assorted scales and categorical columns of 3-8 values; with
    `drift`, n00's mean shifts half a standard deviation and c00's shares change."""
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {}
    for i, name in enumerate(NUMERIC):
        scale, loc = 1.0 + i, 10.0 * i
        shift = 0.5 * scale if drift and name == "n00" else 0.0
        data[name] = rng.normal(loc + shift, scale, n) if i % 2 else rng.gamma(3, scale, n) + shift
    for i, name in enumerate(CATEGORICAL):
        values = [f"v{k}" for k in range(3 + i)]
        shares = np.linspace(1.0, 2.0, len(values))
        if drift and name == "c00":
            shares = shares[::-1] ** 2
        data[name] = rng.choice(values, n, p=shares / shares.sum())
    return pd.DataFrame(data)


def log_rows(url: str, current: pd.DataFrame) -> float:
    """Write the rows through MonitorStore.log_predictions in batches; rows/s."""
    from studio.monitor import MonitorStore

    store = MonitorStore(url, background=False, max_buffer=LOG_CHUNK)
    t = time.perf_counter()
    now = time.time() - len(current) / 1000
    for start in range(0, len(current), LOG_CHUNK):
        part = current.iloc[start : start + LOG_CHUNK]
        store.log_predictions(f"r{start}", MODEL, "1", part, {}, ts=now + start / 1000)
        if not store.flush():
            raise RuntimeError(f"could not write rows to {url}")
    elapsed = time.perf_counter() - t
    store.close()
    return len(current) / elapsed


# ---------------------------------------------------------------- workers (one process each)
def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(run) -> dict:
    """Time `run()` (it returns a DatasetDrift) and how much it raised the peak RSS."""
    before = _peak_mb()
    t = time.perf_counter()
    drift = run()
    seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "growth_mb": _peak_mb() - before,
        "rows": drift.n_current,
        "drifted": {c.column: c.drifted for c in drift.columns},
    }


def worker_store(url: str, reference: str, window: int) -> dict:
    from studio.monitor import DriftMonitorSpec, MonitorStore, WindowSettings, evaluate, prepare

    spec = DriftMonitorSpec(columns=COLUMNS, window=WindowSettings(size=window))
    monitor = prepare(spec, pd.read_parquet(reference))
    store = MonitorStore(url, background=False)
    return _measure(lambda: evaluate([monitor], store, MODEL, record=False).monitors[0].drift)


def worker_frame(reference: str, current: str) -> dict:
    from studio.monitor import detect_drift

    ref, cur = pd.read_parquet(reference), pd.read_parquet(current)
    return _measure(lambda: detect_drift(ref, cur, columns=COLUMNS))


# Evidently's own venv runs this; the legacy Report API (evidently.legacy since 0.7, the
# top-level modules before) gives the per-column flags directly.
EVIDENTLY_RUN = textwrap.dedent(
    """
    import json, resource, sys, time, warnings
    import pandas as pd
    warnings.filterwarnings("ignore")
    try:
        from evidently.legacy.metric_preset import DataDriftPreset
        from evidently.legacy.pipeline.column_mapping import ColumnMapping
        from evidently.legacy.report import Report
    except ImportError:
        from evidently.metric_preset import DataDriftPreset
        from evidently.pipeline.column_mapping import ColumnMapping
        from evidently.report import Report
    import evidently
    ref, cur = pd.read_parquet(sys.argv[1]), pd.read_parquet(sys.argv[2])
    numeric, categorical = json.loads(sys.argv[3]), json.loads(sys.argv[4])
    mapping = ColumnMapping(numerical_features=numeric, categorical_features=categorical,
                            target=None, prediction=None)
    peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    before = peak()
    t = time.perf_counter()
    report = Report(metrics=[DataDriftPreset()])
    report.run(reference_data=ref, current_data=cur, column_mapping=mapping)
    result = report.as_dict()
    seconds = time.perf_counter() - t
    table = next(m["result"] for m in result["metrics"] if "drift_by_columns" in m["result"])
    drifted = {c: bool(v["drift_detected"]) for c, v in table["drift_by_columns"].items()}
    tests = sorted({v["stattest_name"] for v in table["drift_by_columns"].values()})
    print(json.dumps({"seconds": seconds, "peak_mb": peak(), "growth_mb": peak() - before,
                      "rows": len(cur), "drifted": drifted, "tests": tests,
                      "version": evidently.__version__}))
    """
)


def ensure_evidently() -> Path | None:
    """The venv's python with Evidently, installing it on first use; None if that fails."""
    py = EVIDENTLY_VENV / "bin" / "python"
    check = [str(py), "-c", "import evidently, pyarrow"]
    if py.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return py
    print(f"installing Evidently into {EVIDENTLY_VENV} (first run only) ...", flush=True)
    try:
        subprocess.run(
            [sys.executable, "-m", "venv", str(EVIDENTLY_VENV)],
            check=True,
            capture_output=True,
            timeout=300,
        )
        subprocess.run(
            # Evidently 0.7 imports pandas internals that pandas 3 removed.
            [str(EVIDENTLY_VENV / "bin" / "pip"), "install", "-q", *EVIDENTLY_PINS],
            check=True,
            capture_output=True,
            timeout=1800,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"SKIP evidently: could not install it into {EVIDENTLY_VENV}: {exc}")
        shutil.rmtree(EVIDENTLY_VENV, ignore_errors=True)
        return None
    if subprocess.run(check, capture_output=True).returncode != 0:
        print(f"SKIP evidently: it was installed into {EVIDENTLY_VENV} but does not import")
        return None
    return py


def run_worker(cmd: list[str]) -> dict:
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=3600)
    return json.loads(out.stdout.strip().splitlines()[-1])


def ours(*args: str) -> dict:
    return run_worker([sys.executable, __file__, "--worker", *args])


# ---------------------------------------------------------------- drift
def drift_bench(work: Path, quick: bool, evidently: bool) -> dict[str, dict]:
    n, n_ref = SIZES["quick" if quick else "full"]
    reference = make_frame(n_ref, seed=1, drift=False)
    current = make_frame(n, seed=2, drift=True)
    ref_path, cur_path = work / "reference.parquet", work / "current.parquet"
    reference.to_parquet(ref_path)
    current.to_parquet(cur_path)
    url = f"sqlite:///{work / 'monitor.db'}"
    print(f"logging {n:,} rows x {len(COLUMNS)} columns to {url} ...", flush=True)
    rate = log_rows(url, current)
    print(f"  logged at {rate:,.0f} rows/s", flush=True)
    del current
    results: dict[str, dict] = {}
    tenth = max(n // 10, 1000)
    results[f"ours, store, window {tenth:,}"] = ours("store", url, str(ref_path), str(tenth))
    results[f"ours, store, window {n:,}"] = ours("store", url, str(ref_path), str(n))
    results["ours, in memory"] = ours("frame", str(ref_path), str(cur_path))
    print("  measured ours", flush=True)
    py = ensure_evidently() if evidently else None
    if py is not None:
        try:
            results["evidently"] = run_worker(
                [
                    str(py),
                    "-c",
                    EVIDENTLY_RUN,
                    str(ref_path),
                    str(cur_path),
                    json.dumps(NUMERIC),
                    json.dumps(CATEGORICAL),
                ]
            )
            print(f"  measured evidently {results['evidently']['version']}", flush=True)
        except (subprocess.SubprocessError, ValueError) as exc:
            print(f"SKIP evidently: it did not run: {getattr(exc, 'stderr', exc)}")
    return results


def drift_report(results: dict[str, dict], n: int, n_ref: int) -> None:
    width, col = 34, 14
    names = list(results)
    print()
    print(f"drift: {n:,} logged rows x {len(COLUMNS)} columns vs a {n_ref:,}-row reference")
    print(
        "".ljust(width)
        + "".join(["seconds", "peak RSS MB", "growth MB", "rows"][i].rjust(col) for i in range(4))
        + "   planted drift found"
    )
    for name in names:
        r = results[name]
        found = all(r["drifted"].get(c) for c in DRIFTED)
        extra = sorted(c for c, d in r["drifted"].items() if d and c not in DRIFTED)
        print(
            name.ljust(width)
            + f"{r['seconds']:.2f}".rjust(col)
            + f"{r['peak_mb']:.0f}".rjust(col)
            + f"{r['growth_mb']:.0f}".rjust(col)
            + f"{r['rows']:,}".rjust(col)
            + f"   {found}"
            + (f" (also flagged: {', '.join(extra)})" if extra else "")
        )
    if "evidently" not in results:
        return
    theirs = results["evidently"]
    print(f"evidently {theirs['version']} tests: {', '.join(theirs['tests'])}")
    mine = results["ours, in memory"]["drifted"]
    store = results[f"ours, store, window {n:,}"]["drifted"]
    differ = [c for c in COLUMNS if mine.get(c) != theirs["drifted"].get(c)]
    differ += [c for c in COLUMNS if store.get(c) != theirs["drifted"].get(c) and c not in differ]
    print(
        f"per-column verdicts agree with evidently: {len(COLUMNS) - len(differ)}/{len(COLUMNS)}"
        + (f" (differ: {', '.join(differ)})" if differ else "")
    )
    for name in (f"ours, store, window {n:,}", "ours, in memory"):
        ratio = theirs["seconds"] / results[name]["seconds"]
        print(f"speed, {name} vs evidently: {ratio:.1f}x {'faster' if ratio >= 1 else 'slower'}")


# ---------------------------------------------------------------- serving
def logged_rows(folder: Path) -> int:
    """Rows in any monitoring SQLite file the server wrote under `folder`."""
    total = 0
    for path in [*folder.rglob("*.db"), *folder.rglob("*.sqlite")]:
        with contextlib.closing(sqlite3.connect(path)) as db:
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master")}
            if "monitor_blocks" in tables:
                total += db.execute("SELECT sum(n_rows) FROM monitor_blocks").fetchone()[0] or 0
    return total


def wait_first_evaluation(url: str) -> None:
    """Measure the steady state: the server prepares the bundle's monitors (reference
    profiles, calibration) once at start, in the background; wait for that to finish."""
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        body = httpx.get(url + "/monitoring", timeout=30).json()
        if body["evaluated_at"] is not None or body["error"]:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url}: the monitors were not evaluated within 120 s")


def server_cpu(pid: int) -> float:
    """CPU seconds (user + system) the server process has used: unlike rows/s, this does
    not move when other programs load the machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def serving_bench(work: Path, quick: bool) -> dict[str, dict[str, list[float]]]:
    """`knotwork serve` with and without `--no-monitor`, fresh servers alternating per round;
    each server runs in its own folder with its store there (KNOTWORK_MONITOR_URL, and the
    working folder for a relative default)."""
    import serving

    if quick:
        os.environ.setdefault("KNOTWORK_BENCH_SERVE_PER_CLIENT", "20")
    csv, df = serving.make_data(work)
    bundle_path, _ = serving.build_knotwork(work, csv, "A")  # the ONNX-served bundle
    one = json.dumps(df[serving.FEATURES].head(1).to_dict(orient="records")).encode()
    batch = json.dumps(df[serving.FEATURES].head(serving.BATCH_ROWS).to_dict(orient="records"))
    venv_py = ROOT / ".venv" / "bin" / "python"
    py = str(venv_py) if venv_py.exists() else sys.executable
    results = {
        mode: {"rps1": [], "rps100": [], "cpu1": [], "cpu100": [], "logged": []}
        for mode in ("off", "on")
    }
    for rnd in range(1 if quick else SERVE_ROUNDS):
        for mode in ("off", "on"):
            folder = work / f"serve-{mode}-{rnd}"
            folder.mkdir()
            env = {
                **os.environ,
                "KNOTWORK_HOME": os.environ["KNOTWORK_HOME"],
                "KNOTWORK_WORKSPACE": str(folder),
                "KNOTWORK_MONITOR_URL": f"sqlite:///{folder / 'monitor.db'}",
            }
            port = serving.free_port()
            cmd = [py, "-m", "studio", "serve", str(bundle_path), "--port", str(port)]
            with contextlib.chdir(folder):
                srv = serving.Server(
                    cmd + (["--no-monitor"] if mode == "off" else []), port, "/health", env
                )
            try:
                if mode == "on":
                    wait_first_evaluation(srv.url)
                for key, body, rows in (("1", one, 1), ("100", batch.encode(), serving.BATCH_ROWS)):
                    cpu = server_cpu(srv.proc.pid)
                    results[mode]["rps" + key].append(
                        serving.throughput(srv.url, "/predict", body, rows)
                    )
                    cpu = server_cpu(srv.proc.pid) - cpu
                    requests = serving.CLIENTS * serving.PER_CLIENT
                    results[mode]["cpu" + key].append(cpu / (requests * rows) * 1e6)
            finally:
                srv.stop()
            results[mode]["logged"].append(logged_rows(folder))
        print(f"  serving round {rnd + 1} measured", flush=True)
    return results


def serving_report(results: dict[str, dict[str, list[float]]]) -> None:
    clients = 16
    print()
    print(f"serving: rows/s at {clients} clients, median of {len(results['on']['rps1'])} rounds")
    width, col = 38, 14
    print("".ljust(width) + "--no-monitor".rjust(col) + "monitoring on".rjust(col))
    for key, title, unit in (
        ("rps1", "1-row requests, rows/s", "loss"),
        ("rps100", "100-row requests, rows/s", "loss"),
        ("cpu1", "1-row requests, server CPU us/row", "cost"),
        ("cpu100", "100-row requests, server CPU us/row", "cost"),
    ):
        off, on = statistics.median(results["off"][key]), statistics.median(results["on"][key])
        change = (off - on) / off * 100 if unit == "loss" else (on - off) / off * 100
        print(
            title.ljust(width)
            + f"{off:,.1f}".rjust(col)
            + f"{on:,.1f}".rjust(col)
            + f"   {unit} {change:+.1f}%"
        )
    print(f"rows in the monitoring store after each round (on): {results['on']['logged']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke test")
    parser.add_argument("--no-evidently", action="store_true", help="ours only")
    parser.add_argument("--no-serving", action="store_true", help="drift only")
    parser.add_argument("--no-drift", action="store_true", help="serving and shadow only")
    parser.add_argument("--no-shadow", action="store_true", help="no shadow-latency table")
    parser.add_argument("--worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        kind, *rest = args.worker
        fn = {"store": lambda u, r, w: worker_store(u, r, int(w)), "frame": worker_frame}[kind]
        print(json.dumps(fn(*rest)))
        return 0
    work = Path(tempfile.mkdtemp(prefix="knotwork-monitoring-bench-"))
    os.environ["KNOTWORK_HOME"] = str(work / "home")
    try:
        n, n_ref = SIZES["quick" if args.quick else "full"]
        drift = None if args.no_drift else drift_bench(work, args.quick, not args.no_evidently)
        serve = None if args.no_serving else serving_bench(work, args.quick)
        shadowed = None
        if not (args.no_serving or args.no_shadow):
            import shadow

            shadowed = shadow.shadow_bench(work, args.quick)
        if drift is not None:
            drift_report(drift, n, n_ref)
        if serve is not None:
            serving_report(serve)
        if shadowed is not None:
            shadow.shadow_report(shadowed)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
