"""Engine overhead: the starter pipeline on 1,000,000 synthetic rows through
`knotwork run`, against the same steps as a plain pandas/scikit-learn script (both as
fresh processes, in one run), once with a logistic regression and once with a cheap
model (a depth-4 decision tree) where moving the data dominates; plus the per-node
overhead of a 200-node chain.

Goals: ratio <= 1.10 (logistic regression), <= 1.15 (decision tree); under 1 ms per trivial node.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROWS = int(os.environ.get("KNOTWORK_BENCH_ROWS", "1000000"))
REPEATS = int(os.environ.get("KNOTWORK_BENCH_REPEATS", "2"))
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PLAIN = textwrap.dedent(
    """
    import sys
    import numpy as np, pandas as pd
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier
    from sklearn.model_selection import train_test_split
    from sklearn import metrics as skm
    df = pd.read_csv(sys.argv[1])
    df = df.drop(columns=["island", "sex", "year"])
    idx = np.arange(len(df))
    tr, te = train_test_split(idx, test_size=0.3, random_state=42, stratify=df["species"].to_numpy())
    train, test = df.iloc[np.sort(tr)], df.iloc[np.sort(te)]
    feats = [c for c in df.columns if c != "species"]
    model = eval(sys.argv[2]).fit(train[feats], train["species"])
    model.predict(train[feats])
    pred = model.predict(test[feats]); proba = model.predict_proba(test[feats])
    out = test.assign(prediction=pred, **{f"probability_{c}": proba[:, i] for i, c in enumerate(model.classes_)})
    y, p = out["species"].astype(str), out["prediction"].astype(str)
    labels = sorted(pd.unique(pd.concat([y, p])))
    scores = dict(accuracy=skm.accuracy_score(y, p), precision=skm.precision_score(y, p, average="macro", zero_division=0),
                  recall=skm.recall_score(y, p, average="macro", zero_division=0), f1=skm.f1_score(y, p, average="macro", zero_division=0),
                  cm=skm.confusion_matrix(y, p, labels=labels), auc=skm.roc_auc_score(y, proba, multi_class="ovr", labels=labels),
                  log_loss=skm.log_loss(y, proba, labels=labels))
    print("accuracy", scores["accuracy"])
    """
)


def synthetic_penguins(n: int, seed: int = 0) -> pd.DataFrame:
    """Rows drawn around the three species' real means, so the model has work to do."""
    rng = np.random.default_rng(seed)
    means = {
        "Adelie": (38.8, 18.3, 190, 3700),
        "Chinstrap": (48.8, 18.4, 196, 3733),
        "Gentoo": (47.5, 15.0, 217, 5076),
    }
    species = rng.choice(list(means), size=n, p=[0.44, 0.2, 0.36])
    mu = np.array([means[s] for s in species])
    x = mu + rng.normal(0, [3, 1.2, 7, 450], size=(n, 4))
    return pd.DataFrame(
        {
            "species": species,
            "island": rng.choice(["Biscoe", "Dream", "Torgersen"], size=n),
            "bill_length_mm": x[:, 0].round(1),
            "bill_depth_mm": x[:, 1].round(1),
            "flipper_length_mm": x[:, 2].round(0),
            "body_mass_g": x[:, 3].round(0),
            "sex": rng.choice(["male", "female"], size=n),
            "year": rng.integers(2007, 2010, size=n),
        }
    )


# (title, learner node, its settings, the same estimator in the plain script, goal)
MODELS = [
    (
        "logistic regression",
        "learners.logistic_regression",
        {},
        "LogisticRegression(C=1.0, max_iter=1000)",
        1.10,
    ),
    (
        "depth-4 decision tree",
        "learners.decision_tree_classifier",
        {"max_depth": 4},
        "DecisionTreeClassifier(max_depth=4, random_state=42)",
        1.15,
    ),
]


def workflow_file(csv: Path, out: Path, learner: str, settings: dict) -> Path:
    from studio.core import Workflow

    wf = Workflow.new("bench")
    wf.add_node("io.csv_reader", "Read", {"path": str(csv)})
    wf.add_node("manipulation.column_filter", "Drop", {"columns": ["island", "sex", "year"]})
    wf.add_node("validation.partitioning", "Split", {"column": "species", "train_fraction": 0.7})
    wf.add_node(learner, "Learn", {"target": "species", **settings})
    wf.add_node("scoring.predictor", "Predict")
    wf.add_node("scoring.scorer", "Score", {"truth_column": "species"})
    for a, ap, b, bp in [
        ("Read", 0, "Drop", 0),
        ("Drop", 0, "Split", 0),
        ("Split", "train", "Learn", 0),
        ("Learn", 0, "Predict", "model"),
        ("Split", "test", "Predict", "table"),
        ("Predict", 0, "Score", 0),
    ]:
        wf.connect(a, ap, b, bp)
    return wf.save(out)


def timed(cmd: list[str]) -> float:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def chain_overhead(n: int = 200) -> float:
    """Milliseconds of engine work per node: 200 Column Filters that keep everything."""
    from studio.core import Catalog, NodeType, Port, PortType, Table, Workflow, default_catalog

    class Source(NodeType):
        type_id = "bench.source"
        name = "Source"
        outputs = (Port("table", PortType.TABLE),)

        def configure(self, s, specs, ctx):
            return [None]

        def execute(self, s, inputs, ctx):
            return [Table(pd.DataFrame({"a": [1, 2, 3]}))]

    wf = Workflow.new("chain", Catalog([*default_catalog().all(), Source]))
    prev = wf.add_node("bench.source", "source")
    for i in range(n):
        node = wf.add_node("manipulation.column_filter", f"n{i}", {"columns": []})
        wf.connect(prev.id, 0, node.id, 0)
        prev = node
    best = float("inf")
    for _ in range(5):
        wf.reset()
        start = time.perf_counter()
        result = wf.run()
        best = min(best, time.perf_counter() - start)
        assert len(result.executed) == n + 1, result.errors
    return best / n * 1000


def main() -> None:
    from rich.console import Console
    from rich.table import Table as RichTable

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        csv = tmp / "penguins_1m.csv"
        synthetic_penguins(ROWS).to_csv(csv, index=False)
        script = tmp / "plain.py"
        script.write_text(PLAIN)
        csv.read_bytes()  # warm the page cache for both
        for title, learner, settings, estimator, goal in MODELS:
            wf = workflow_file(csv, tmp / "bench.knotwork.json", learner, settings)
            knotwork = [sys.executable, "-m", "studio", "run", "--quiet", str(wf)]
            plain = [sys.executable, str(script), str(csv), estimator]
            plain_times, kw_times = [], []
            for _ in range(REPEATS):  # interleaved, so background load hits both alike
                plain_times.append(timed(plain))
                kw_times.append(timed(knotwork))
            rows.append((title, min(plain_times), min(kw_times), goal))
    per_node = chain_overhead()
    table = RichTable(title=f"Engine overhead ({ROWS:,} rows, best of {REPEATS})")
    for col in ("measure", "value", "goal", "verdict"):
        table.add_column(col)
    for title, t_plain, t_kw, goal in rows:
        ratio = t_kw / t_plain
        table.add_row(f"{title}: plain pandas/scikit-learn script", f"{t_plain:.2f} s", "", "")
        table.add_row(f"{title}: knotwork run (same steps)", f"{t_kw:.2f} s", "", "")
        table.add_row(
            f"{title}: ratio knotwork / plain",
            f"{ratio:.3f}",
            f"<= {goal:.2f}",
            "ok" if ratio <= goal else "MISSED",
        )
    table.add_row(
        "per-node overhead (200-node chain)",
        f"{per_node:.3f} ms",
        "< 1 ms",
        "ok" if per_node < 1 else "MISSED",
    )
    Console().print(table)


if __name__ == "__main__":
    main()
