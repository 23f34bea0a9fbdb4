"""One real Dask cluster of worker processes for the scale tests (started once: each
worker process imports scikit-learn, which is the slow part)."""

from __future__ import annotations

import logging

import dask
import pytest


@pytest.fixture(scope="package")
def process_cluster():
    from distributed import Client, LocalCluster

    # A task whose worker dies is not retried on another worker, so the death test
    # kills one worker, not every worker in turn.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
        with (
            LocalCluster(
                n_workers=2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            ) as cluster,
            Client(cluster, set_as_default=False) as client,
        ):
            yield client


@pytest.fixture
def cluster_client(process_cluster):
    """The shared cluster with both workers up (a test may have killed one)."""
    process_cluster.wait_for_workers(2, timeout=60)
    return process_cluster


@pytest.fixture(scope="package")
def penguins_bundle(tmp_path_factory):
    """A signed penguins bundle (impute, encode, scale, logistic regression)."""
    from studio.deploy import build_bundle
    from tests.serve.conftest import penguins_workflow

    out = tmp_path_factory.mktemp("scale-bundles") / "penguins"
    build_bundle(penguins_workflow(), out, name="penguins", version="1")
    return out
