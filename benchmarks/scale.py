"""Scale out: batch scoring of 1 M / 5 M / 20 M rows x 20 numeric columns with a real
bundle (logistic regression), and Parameter Search on a Dask cluster of 2 workers vs 1.

Scoring, each in its own process tree (peak RSS summed over the process and all its
children, sampled every 50 ms): the plain pandas loop (read the whole Parquet file,
`Bundle.predict`, write), `knotwork score` without a cluster (chunked), and
`knotwork score --cluster local:2`. All three read the same Parquet file (row groups of
250,000 rows) and write Parquet; monitoring is off in all three so they do the same work.

Goals: `--cluster local:2` at least as fast as the pandas loop, and its peak memory flat
in the number of rows (the pandas loop's grows with them).

    python benchmarks/scale.py [--quick] [--rows 1000000,5000000] [--no-search]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "benchmarks" / ".cache" / "scale"
COLUMNS = [f"x{i:02d}" for i in range(20)]
ROW_GROUP = 250_000
SIZES = {"full": [1_000_000, 5_000_000, 20_000_000], "quick": [20_000]}
PANDAS_LOOP = """
import sys, pandas as pd
from studio import Bundle
bundle = Bundle.load(sys.argv[1])
df = pd.read_parquet(sys.argv[2])
bundle.predict(df).to_parquet(sys.argv[3], index=False)
"""


def _frame(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(COLUMNS)))
    return pd.DataFrame(x, columns=COLUMNS)


def _label(df: pd.DataFrame) -> pd.Series:
    score = df["x00"] - 0.5 * df["x01"] + 0.25 * df["x02"]
    return pd.Series(np.where(score > 0, "yes", "no"), index=df.index)


def build_bundle(folder: Path) -> Path:
    """A signed bundle: 20 numeric inputs → logistic regression → label and probabilities."""
    from studio.core import Workflow
    from studio.deploy import build_bundle as build

    out = folder / "bundle"
    if (out / "manifest.json").exists():
        return out
    train = _frame(5_000, 1).assign(label=lambda d: _label(d))
    csv = folder / "train.csv"
    train.to_csv(csv, index=False)
    wf = Workflow.new("scale-bench")
    wf.add_node("io.csv_reader", "Read", {"path": str(csv)})
    wf.add_node("validation.partitioning", "Split", {"column": "label", "train_fraction": 0.8})
    wf.add_node("learners.logistic_regression", "Learner", {"target": "label"})
    wf.add_node("deployment.input", "In")
    wf.add_node("scoring.predictor", "Predict")
    wf.add_node("deployment.output", "Out")
    wf.connect("Read", 0, "Split", 0)
    wf.connect("Split", "train", "Learner", 0)
    wf.connect("Split", "test", "In", 0)
    wf.connect("Learner", "model", "Predict", "model")
    wf.connect("In", 0, "Predict", "table")
    wf.connect("Predict", 0, "Out", 0)
    build(wf, out, name="scale-bench", version="1")
    return out


def write_rows(path: Path, n: int) -> Path:
    """n rows in one Parquet file, written a row group at a time (flat memory)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    writer = None
    for i, start in enumerate(range(0, n, ROW_GROUP)):
        table = pa.Table.from_pandas(
            _frame(min(ROW_GROUP, n - start), 100 + i), preserve_index=False
        )
        writer = writer or pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table)
    writer.close()
    tmp.replace(path)
    return path


def measure(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in GiB of the process and all its descendants)."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    parent, peak, tick = psutil.Process(proc.pid), 0, threading.Event()
    while proc.poll() is None:
        total = 0
        try:
            for p in [parent, *parent.children(recursive=True)]:
                total += p.memory_info().rss
        except psutil.Error:
            pass  # a child ended between listing and reading
        peak = max(peak, total)
        tick.wait(0.05)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.read()[-2000:]}")
    return seconds, peak / 2**30


def scoring(sizes: list[int], work: Path, only: set[str]) -> None:
    bundle = build_bundle(CACHE)
    knotwork = [sys.executable, "-m", "studio"]
    print(
        f"{'rows':>12}  {'way':<34} {'seconds':>8} {'rows/s':>10} {'peak RSS GiB':>13} {'vs pandas':>10}"
    )
    for n in sizes:
        data = write_rows(CACHE / f"rows-{n}.parquet", n)
        ways = {
            "pandas loop (in memory)": [sys.executable, "-c", PANDAS_LOOP, str(bundle), str(data), str(work / "p.parquet")],
            "knotwork score": [*knotwork, "score", str(bundle), "--input", str(data), "--output", str(work / "s.parquet"), "--no-monitor"],
            "knotwork score --cluster local:2": [*knotwork, "score", str(bundle), "--input", str(data), "--output", str(work / "c.parquet"), "--no-monitor", "--cluster", "local:2"],
        }  # fmt: skip
        base = None
        for name, cmd in ways.items():
            if only and not any(word in name for word in only):
                continue
            seconds, peak = measure(cmd)
            base = base or seconds
            print(
                f"{n:>12,}  {name:<34} {seconds:>8.1f} {n / seconds:>10,.0f} {peak:>13.2f} {base / seconds:>9.2f}x",
                flush=True,
            )


def search(work: Path, rows: int) -> None:
    """Parameter Search (a forest, 3 folds x 8 candidates) on local:1 vs local:2."""
    from studio.core import Workflow

    csv = work / "search.csv"
    _frame(rows, 7).assign(label=lambda d: _label(d)).to_csv(csv, index=False)
    wf = Workflow.new("search-bench")
    wf.add_node("io.csv_reader", "Read", {"path": str(csv)})
    wf.add_node(
        "learners.random_forest_classifier", "Forest", {"target": "label", "n_estimators": 30}
    )
    space = {"max_depth": [4, 8, 12, 16], "min_samples_leaf": [1, 10]}
    wf.add_node(
        "validation.parameter_search", "Search", {"search_space": space, "folds": 3, "n_jobs": -1}
    )
    wf.connect("Read", 0, "Forest", 0)
    wf.connect("Forest", "model", "Search", "model")
    wf.connect("Read", 0, "Search", "table")
    path = wf.save(work / "search.knotwork.json")
    print(
        f"\nParameter Search, {rows:,} rows x 20 columns, 8 candidates x 3 folds (random forest of 30 trees)"
    )
    print(f"{'cluster':<10} {'seconds':>8} {'speed-up':>9}")
    base = None
    for spec in ("local:1", "local:2"):
        seconds, _ = measure(
            [sys.executable, "-m", "studio", "run", str(path), "--cluster", spec, "-q"]
        )
        base = base or seconds
        print(f"{spec:<10} {seconds:>8.1f} {base / seconds:>8.2f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    parser.add_argument("--rows", help="comma-separated row counts (default 1M, 5M, 20M)")
    parser.add_argument("--no-search", action="store_true", help="skip the Parameter Search part")
    parser.add_argument("--no-scoring", action="store_true", help="skip the batch scoring part")
    parser.add_argument(
        "--only", default="", help="scoring ways to run, e.g. 'pandas,cluster' (default: all)"
    )
    args = parser.parse_args()
    sizes = (
        [int(r) for r in args.rows.split(",")]
        if args.rows
        else SIZES["quick" if args.quick else "full"]
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="knotwork-scale-") as tmp:
        work = Path(tmp)
        if not args.no_scoring:
            print(
                "Batch scoring, 20 numeric columns, logistic regression bundle, Parquet in and out"
            )
            scoring(sizes, work, {w.strip() for w in args.only.split(",") if w.strip()})
        if not args.no_search:
            search(work, 2_000 if args.quick else 20_000)


if __name__ == "__main__":
    main()
