"""Cost of the Validation Report's leak checks: the target-leakage probes (one shallow
tree per feature, plus drop-column refits of at most three suspects) and the row leaks
(near-duplicates by a KD-tree, id-like features, time order), against fitting the model
itself, on synthetic classification rows with 20 features and one planted leak.

Goal: the leak checks cost at most ten fits of the logistic regression at every size
(ratio <= 10); the drop-column refits are bounded by three, whatever the feature count.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SIZES = [int(n) for n in os.environ.get("KNOTWORK_BENCH_LEAK_ROWS", "2000,20000,100000").split(",")]


def tables(n: int):
    from sklearn.datasets import make_classification

    from studio.core import Table

    X, y = make_classification(n, 20, n_informative=6, random_state=0)
    df = pd.DataFrame(X, columns=[f"x{i}" for i in range(20)])
    df["target"] = np.where(y == 1, "yes", "no")
    flip = np.random.default_rng(0).random(n) > 0.97
    df["leak"] = np.where(flip, 1 - y, y)  # the target recoded, 3 % flipped
    cut = int(n * 0.7)
    roles = {"target": "target"}
    return Table(df.iloc[:cut], roles), Table(df.iloc[cut:], roles)


def best_of(fn, repeats: int = 2) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    from nodes.validation.leakage import leakage_check
    from nodes.validation.row_leaks import row_leak_checks
    from nodes.validation.validation_report import Settings
    from studio.core import Model

    s = Settings()
    rows = []
    for n in SIZES:
        train, test = tables(n)
        features = [c for c in train.df.columns if c != "target"]
        est = LogisticRegression(max_iter=1000)
        fit = best_of(lambda: est.fit(train.df[features], train.df["target"]))  # noqa: B023
        model = Model(est, "classification", features, "target", list(est.classes_))
        leak = best_of(lambda: leakage_check(model, train, test, s))  # noqa: B023
        verdict = leakage_check(model, train, test, s)["status"]
        rows_t = best_of(lambda: row_leak_checks(model, train, {"test": test}, s))  # noqa: B023
        rows.append((n, fit, leak, rows_t, (leak + rows_t) / fit, verdict))
    print(
        f"{'rows':>8} {'model fit s':>12} {'leakage s':>10} {'row leaks s':>12} {'ratio':>6}  leak"
    )
    for n, fit, leak, rows_t, ratio, verdict in rows:
        print(f"{n:>8} {fit:>12.3f} {leak:>10.3f} {rows_t:>12.3f} {ratio:>6.1f}  {verdict}")


if __name__ == "__main__":
    main()
