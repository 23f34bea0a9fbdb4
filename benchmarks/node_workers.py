"""Worker processes for long nodes: what running a learner in a worker costs against
running it in-process (a warm worker, tables of growing size), and how soon a cancel
ends a Random Forest that would fit for minutes.

Goals: a warm worker adds under 10% to a learner on 100,000 rows; a cancel ends the
node in under 0.5 s.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from studio.core import Progress, Workflow, default_catalog  # noqa: E402
from studio.core.workers import NodeWorkers  # noqa: E402

SIZES = [int(n) for n in os.environ.get("KNOTWORK_BENCH_WORKER_ROWS", "1000,100000").split(",")]


def _workflow(csv: Path, learner: str, settings: dict) -> Workflow:
    wf = Workflow.new("bench")
    wf.add_node("io.csv_reader", "Rows", {"path": str(csv)})
    wf.add_node(learner, "Learner", {"target": "y", **settings})
    wf.connect("Rows", 0, "Learner", 0)
    return wf


def _data(folder: Path, rows: int) -> Path:
    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(rows, 8)), columns=[f"x{i}" for i in range(8)])
    df["y"] = np.where(df["x0"] + rng.normal(size=rows) > 0, "yes", "no")
    path = folder / f"rows{rows}.csv"
    df.to_csv(path, index=False)
    return path


def _learner_seconds(wf: Workflow, workers: NodeWorkers | None) -> float:
    wf.reset("Learner")
    result = wf.run(workers=workers)
    assert result.ok, result.errors
    return result.seconds[wf.node("Learner").id]


def _cancel_latency(csv: Path, workers: NodeWorkers) -> float:
    wf = _workflow(csv, "learners.random_forest_classifier", {"n_estimators": 5000})
    started, cancel = threading.Event(), threading.Event()
    wf.subscribe(lambda e: isinstance(e, Progress) and started.set())
    done = threading.Event()
    threading.Thread(
        target=lambda: (wf.run(cancel=cancel, workers=workers), done.set()), daemon=True
    ).start()
    started.wait()
    time.sleep(0.5)  # well inside the fit
    t = time.perf_counter()
    cancel.set()
    done.wait()
    return time.perf_counter() - t


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, NodeWorkers(default_catalog()) as workers:
        folder = Path(tmp)
        t = time.perf_counter()
        workers.warm()
        _learner_seconds(_workflow(_data(folder, 100), "learners.logistic_regression", {}), workers)
        first = time.perf_counter() - t
        print(f"first worker ready and used: {first:.2f} s (paid once, in the background)")
        print()
        print(f"{'learner':<26} {'rows':>8} {'in-process s':>13} {'worker s':>9} {'ratio':>6}")
        for rows in SIZES:
            csv = _data(folder, rows)
            for learner, settings in (
                ("learners.logistic_regression", {}),
                ("learners.random_forest_classifier", {"n_estimators": 20}),
            ):
                wf = _workflow(csv, learner, settings)
                here = min(_learner_seconds(wf, None) for _ in range(2))
                there = min(_learner_seconds(wf, workers) for _ in range(2))
                name = learner.split(".")[1]
                print(f"{name:<26} {rows:>8} {here:>13.3f} {there:>9.3f} {there / here:>6.2f}")
        print()
        latency = _cancel_latency(_data(folder, 100_000), workers)
        print(
            f"cancel of a 5000-tree Random Forest on 100,000 rows ended the run in {latency:.3f} s"
        )


if __name__ == "__main__":
    main()
