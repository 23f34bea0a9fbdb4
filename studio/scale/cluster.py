"""A Dask cluster to hand heavy work to: a new local one (`local`, `local:N`) or a running
scheduler (`tcp://HOST:8786`). Connecting happens before anything runs, so an unreachable
scheduler is a usage error, not a failed node; a worker lost mid-run fails only the node
whose work it held."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from studio.core.errors import KnotworkError, NodeExecutionError

SCHEMES = ("tcp://", "tls://", "ucx://", "inproc://")
USAGE = "use local, local:N (N worker processes) or tcp://HOST:8786 (a running `dask scheduler`)"


class ClusterError(KnotworkError):
    """The cluster named by --cluster cannot be used (bad spec, unreachable scheduler)."""


def parse_spec(spec: str) -> tuple[str, int | None]:
    """("local", workers or None) or ("remote", None); a bad spec names what is accepted."""
    spec = spec.strip()
    if spec == "local":
        return "local", None
    if spec.startswith("local:"):
        count = spec.removeprefix("local:")
        if not count.isdigit() or int(count) < 1:
            raise ClusterError(f"--cluster {spec}: N must be a whole number of 1 or more; {USAGE}")
        return "local", int(count)
    if spec.startswith(SCHEMES) and len(spec) > spec.index("://") + 3:
        return "remote", None
    raise ClusterError(f"--cluster {spec!r}: not a cluster address; {USAGE}")


class Cluster:
    """A connected Dask client (and the local cluster it owns, if any). Use it as a context
    manager; `node_scope` is what the executor wraps around each node's execution."""

    def __init__(self, client: Any, spec: str, owned: Any = None):
        self.client = client
        self.spec = spec
        self._owned = owned

    # ---- connecting -------------------------------------------------------------------
    @classmethod
    def connect(cls, spec: str, timeout: float | str | None = None) -> Cluster:
        """Start `local[:N]` or reach a scheduler; a ClusterError when that fails.
        `timeout` defaults to dask's `distributed.comm.timeouts.connect` setting."""
        import dask
        from distributed import Client, LocalCluster

        kind, workers = parse_spec(spec)
        timeout = (
            timeout if timeout is not None else dask.config.get("distributed.comm.timeouts.connect")
        )
        if kind == "local":
            local = LocalCluster(
                n_workers=workers or max(1, os.cpu_count() or 1),
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",  # any free port: never "8787 is already in use"
                silence_logs=logging.ERROR,
            )
            return cls(Client(local, set_as_default=False), spec, local)
        try:
            client = Client(spec, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                f"--cluster {spec}: cannot reach the Dask scheduler ({_reason(exc)}); "
                "is `dask scheduler` running there and the port open? (or use --cluster local:N)"
            ) from None
        if not client.scheduler_info().get("workers"):
            client.close()
            raise ClusterError(
                f"--cluster {spec}: the scheduler has no workers; start some with "
                f"`dask worker {spec}`"
            )
        return cls(client, spec)

    @classmethod
    def of(cls, cluster: str | Cluster | Any) -> contextlib.AbstractContextManager[Cluster]:
        """A context manager giving a Cluster for a spec (closed after), a Cluster, or a
        `distributed.Client` / `LocalCluster` the caller owns (left open)."""
        if isinstance(cluster, str):
            return cls.connect(cluster)
        if isinstance(cluster, Cluster):
            return contextlib.nullcontext(cluster)
        from distributed import Client

        if isinstance(cluster, Client):
            return contextlib.nullcontext(cls(cluster, str(cluster.scheduler.address)))
        if hasattr(cluster, "scheduler_address"):  # a LocalCluster or another deployment
            client = Client(cluster, set_as_default=False)
            return cls(client, str(cluster.scheduler_address))
        raise ClusterError(
            f"cluster={cluster!r}: give a spec string, a distributed.Client or a LocalCluster"
        )

    def close(self) -> None:
        self.client.close()
        if self._owned is not None:
            self._owned.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ---- using it ---------------------------------------------------------------------
    @property
    def workers(self) -> int:
        """Worker threads the cluster has now (what n_jobs=-1 means there)."""
        return sum(self.client.nthreads().values())

    def describe(self) -> str:
        info = self.client.scheduler_info()
        return f"{self.spec} ({len(info.get('workers', {}))} workers, {self.workers} threads)"

    @contextlib.contextmanager
    def node_scope(self, label: str) -> Iterator[None]:
        """Within it, joblib (scikit-learn's n_jobs: cross-validation, parameter search,
        forests) runs its tasks on this cluster; a lost worker fails the node with why."""
        import joblib
        from distributed import KilledWorker
        from distributed.comm.core import CommClosedError

        from .backend import NAME

        try:
            with joblib.parallel_config(backend=NAME, client=self.client):
                yield
        except KilledWorker as exc:
            raise NodeExecutionError(
                f"a Dask worker died while running this node's work on {self.spec} "
                f"({_reason(exc)}); the worker's log says why (often: out of memory)"
            ) from None
        except CommClosedError as exc:
            raise NodeExecutionError(
                f"lost the connection to the Dask scheduler {self.spec} while running: {_reason(exc)}"
            ) from None


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
