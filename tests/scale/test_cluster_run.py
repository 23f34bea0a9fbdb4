"""Workflow runs on a real Dask cluster: the same results as a local run, an unreachable
scheduler refused before anything runs, a dying worker fails only its node."""

from __future__ import annotations

import os

import dask
import pandas as pd
import pytest
from distributed import get_task_stream

from studio.core import Catalog, NodeType, Port, PortType, Workflow, default_catalog
from studio.scale import Cluster, ClusterError, parse_spec
from tests.core.builders import clean_penguins


def _validation_workflow(csv, catalog: Catalog | None = None) -> Workflow:
    """Penguins → forest → Cross-Validation and Parameter Search, and a test-set prediction."""
    wf = Workflow.new("scale", catalog)
    wf.add_node("io.csv_reader", "Penguins", {"path": str(csv)})
    wf.add_node("manipulation.column_filter", "Numeric", {"columns": ["island", "sex", "year"]})
    wf.add_node("validation.partitioning", "Split", {"column": "species", "train_fraction": 0.7})
    wf.add_node(
        "learners.random_forest_classifier", "Forest", {"target": "species", "n_estimators": 20}
    )
    wf.add_node("validation.cross_validation", "CV", {"folds": 4, "n_jobs": -1})
    wf.add_node(
        "validation.parameter_search",
        "Search",
        {
            "search_space": {"max_depth": [2, 4], "min_samples_leaf": [1, 5]},
            "folds": 3,
            "n_jobs": -1,
        },
    )
    wf.add_node("scoring.predictor", "Predict")
    wf.connect("Penguins", 0, "Numeric", 0)
    wf.connect("Numeric", 0, "Split", 0)
    wf.connect("Split", "train", "Forest", 0)
    for name in ("CV", "Search"):
        wf.connect("Forest", "model", name, "model")
        wf.connect("Split", "train", name, "table")
    wf.connect("Forest", "model", "Predict", "model")
    wf.connect("Split", "test", "Predict", "table")
    return wf


def _outputs(wf: Workflow) -> dict[str, pd.DataFrame]:
    return {
        "folds": wf.output("CV", "fold scores").df,
        "oof": wf.output("CV", "out-of-fold predictions").df,
        "search": wf.output("Search", "results").df,
        "predictions": wf.output("Predict", 0).df,
    }


def test_a_cluster_run_fans_out_to_the_workers_and_equals_the_local_run(tmp_path, cluster_client):
    csv = clean_penguins(tmp_path)
    local = _validation_workflow(csv)
    assert local.run().ok
    remote = _validation_workflow(csv)
    with get_task_stream(client=cluster_client) as stream:
        result = remote.run(cluster=cluster_client, jobs=2)
    assert result.ok, result.errors
    workers = {task["worker"] for task in stream.data}
    assert len(workers) == 2  # folds, candidates and trees ran on both workers
    mine, theirs = _outputs(local), _outputs(remote)
    for name in mine:
        pd.testing.assert_frame_equal(mine[name], theirs[name], check_exact=True)
    assert local.output("Search", "best").values == remote.output("Search", "best").values


def _kill_this_worker(_: int) -> None:
    os._exit(3)  # what an out-of-memory kill looks like to the scheduler


class CrashWorker(NodeType):
    """Runs joblib work whose task kills the worker process running it."""

    type_id = "test.crash_worker"
    name = "Crash Worker"
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)

    def configure(self, s, specs, ctx):
        return [specs[0]]

    def execute(self, s, inputs, ctx):
        from joblib import Parallel, delayed

        Parallel(n_jobs=-1)(delayed(_kill_this_worker)(i) for i in range(1))
        return [inputs[0]]


def test_a_worker_dying_fails_only_the_node_whose_task_it_held(tmp_path, cluster_client):
    csv = clean_penguins(tmp_path)
    wf = _validation_workflow(csv, Catalog([*default_catalog().all(), CrashWorker]))
    wf.add_node("test.crash_worker", "Crash")
    wf.connect("Numeric", 0, "Crash", 0)
    result = wf.run(cluster=cluster_client)
    assert not result.ok
    assert set(result.errors) == {wf.node("Crash").id}
    assert "a Dask worker died while running this node's work" in result.error("Crash")
    assert result.state("CV") == result.state("Predict") == "executed"


def test_an_unreachable_scheduler_is_refused_before_any_node_runs(tmp_path):
    wf = _validation_workflow(clean_penguins(tmp_path))
    with pytest.raises(ClusterError, match=r"cannot reach the Dask scheduler"):
        Cluster.connect("tcp://127.0.0.1:9", timeout=0.5)
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        with pytest.raises(ClusterError, match=r"tcp://127\.0\.0\.1:9"):
            wf.run(cluster="tcp://127.0.0.1:9")
    assert all(wf.state(n.id) != "executed" for n in wf.nodes)


@pytest.mark.parametrize(
    "spec, message",
    [
        ("local:0", "N must be a whole number of 1 or more"),
        ("local:two", "N must be a whole number of 1 or more"),
        ("127.0.0.1:8786", "not a cluster address"),
        ("tcp://", "not a cluster address"),
    ],
)
def test_a_malformed_cluster_spec_says_what_is_accepted(spec, message):
    with pytest.raises(ClusterError, match=message) as err:
        parse_spec(spec)
    assert "tcp://HOST:8786" in str(err.value)


def test_cluster_specs_name_a_local_cluster_or_a_scheduler():
    assert parse_spec("local") == ("local", None)
    assert parse_spec("local:3") == ("local", 3)
    assert parse_spec("tcp://10.1.2.3:8786") == ("remote", None)


def test_knotwork_run_on_a_scheduler_address_reports_the_cluster_and_succeeds(
    tmp_path, cluster_client, capsys
):
    from studio.cli.main import main

    path = _validation_workflow(clean_penguins(tmp_path)).save(tmp_path / "cv.knotwork.json")
    address = cluster_client.scheduler.address
    out = tmp_path / "folds.csv"
    code = main(["run", str(path), "--cluster", address, "--output", f"CV:fold scores={out}"])
    assert code == 0
    assert f"cluster: {address} (2 workers, 2 threads)" in capsys.readouterr().err
    assert len(pd.read_csv(out)) == 4


def test_knotwork_run_with_an_unreachable_scheduler_exits_2_and_runs_nothing(tmp_path, capsys):
    from studio.cli.main import main

    path = _validation_workflow(clean_penguins(tmp_path)).save(tmp_path / "cv.knotwork.json")
    report = tmp_path / "report.json"
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        code = main(["run", str(path), "--cluster", "tcp://127.0.0.1:9", "--report", str(report)])
    assert code == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not report.exists()
