"""Shadow scoring's cost to the champion: single-row p50 / p99 latency of `knotwork serve`
(monitoring on) without and with `--shadow CHALLENGER`, fresh servers alternating per
round. Run from `benchmarks/monitoring.py` (its "shadow" table). Goal: p50 with the
shadow within 10 % of p50 without it."""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import sys
from pathlib import Path

ROUNDS = 3


def challenger_bundle(folder: Path, csv: Path) -> Path:
    """The same data and features as the champion, another learner, version 2."""
    import serving

    from studio.core import Workflow
    from studio.deploy import build_bundle

    wf = Workflow.new("serving-bench")
    read = wf.add_node("io.csv_reader", settings={"path": str(csv)})
    roles = wf.add_node("manipulation.column_roles", settings={"target": "label"})
    split = wf.add_node("validation.partitioning", settings={"column": "label", "seed": 2})
    learn = wf.add_node("learners.logistic_regression", settings={"C": 0.1})
    dep_in = wf.add_node("deployment.input", settings={"columns": serving.FEATURES})
    predict = wf.add_node("scoring.predictor")
    keep = wf.add_node(
        "manipulation.column_filter", settings={"mode": "exclude", "columns": serving.FEATURES}
    )
    dep_out = wf.add_node("deployment.output")
    for a, pa, b, pb in (
        (read, 0, roles, 0),
        (roles, 0, split, 0),
        (split, "train", learn, 0),
        (split, "test", dep_in, 0),
        (learn, 0, predict, "model"),
        (dep_in, 0, predict, "table"),
        (predict, 0, keep, 0),
        (keep, 0, dep_out, 0),
    ):
        wf.connect(a.id, pa, b.id, pb)
    return build_bundle(wf, folder / "challenger", name="bench", version="2").path


def shadow_bench(work: Path, quick: bool) -> dict[str, list[float]]:
    if quick:
        os.environ.setdefault("KNOTWORK_BENCH_SERVE_REQUESTS", "200")
    import serving

    csv, df = serving.make_data(work)
    champion, _ = serving.build_knotwork(work, csv, "A")
    challenger = challenger_bundle(work, csv)
    one = json.dumps(df[serving.FEATURES].head(1).to_dict(orient="records")).encode()
    venv_py = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "python"
    py = str(venv_py) if venv_py.exists() else sys.executable
    results: dict[str, list[float]] = {"p50 off": [], "p50 on": [], "p99 off": [], "p99 on": []}
    shadowed = []
    for rnd in range(1 if quick else ROUNDS):
        for mode in ("off", "on"):
            folder = work / f"shadow-{mode}-{rnd}"
            folder.mkdir()
            env = {
                **os.environ,
                "KNOTWORK_WORKSPACE": str(folder),
                "KNOTWORK_MONITOR_URL": f"sqlite:///{folder / 'monitor.db'}",
            }
            port = serving.free_port()
            cmd = [py, "-m", "studio", "serve", str(champion), "--port", str(port)]
            cmd += ["--shadow", str(challenger)] if mode == "on" else []
            with contextlib.chdir(folder):
                srv = serving.Server(cmd, port, "/health", env)
            try:
                p50, p99 = serving.latency(srv.url, "/predict", one)
                if mode == "on":
                    import httpx

                    shadowed.append(httpx.get(srv.url + "/monitoring").json()["shadow"])
            finally:
                srv.stop()
            results[f"p50 {mode}"].append(p50)
            results[f"p99 {mode}"].append(p99)
        print(f"  shadow round {rnd + 1} measured", flush=True)
    results["shadowed"] = shadowed  # type: ignore[assignment]
    return results


def shadow_report(results: dict[str, list]) -> None:
    import serving

    print()
    print(
        f"shadow: champion single-row latency over {serving.SEQUENTIAL:,} sequential requests, "
        f"median of {len(results['p50 on'])} rounds"
    )
    width, col = 30, 14
    print("".ljust(width) + "shadow off".rjust(col) + "shadow on".rjust(col))
    for key in ("p50", "p99"):
        off = statistics.median(results[f"{key} off"])
        on = statistics.median(results[f"{key} on"])
        print(
            f"{key} latency, ms".ljust(width)
            + f"{off:.3f}".rjust(col)
            + f"{on:.3f}".rjust(col)
            + f"   change {(on - off) / off * 100:+.1f}%"
        )
    last = results["shadowed"][-1]
    print(
        f"challenger rows at the end of the last round: {last['scored_rows']:,} scored, "
        f"{last['dropped_rows']:,} dropped, {last['queued_requests']} requests queued"
    )
