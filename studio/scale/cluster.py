"""A Dask cluster to hand heavy work to: a new local one (`local`, `local:N`) or a running
scheduler (`tcp://HOST:8786`). Connecting happens before anything runs, so an unreachable
scheduler is a usage error, not a failed node; a worker lost mid-run fails only the node
whose work it held."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
import uuid
from typing import Any

from studio.core.errors import CancelledError, KnotworkError
from studio.core.node import ExecutionContext, NodeType
from studio.core.workers import POLL_SECONDS, context_fields, rebuilt_error

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
    def connect(
        cls, spec: str, timeout: float | str | None = None, preload: tuple[str, ...] = ()
    ) -> Cluster:
        """Start `local[:N]` or reach a scheduler; a ClusterError when that fails.
        `timeout` defaults to dask's `distributed.comm.timeouts.connect` setting; a local
        cluster's workers import the `preload` modules as they start."""
        import dask
        from distributed import Client, LocalCluster

        from .backend import reason

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
                **({"preload": list(preload)} if preload else {}),
            )
            return cls(Client(local, set_as_default=False), spec, local)
        try:
            client = Client(spec, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ClusterError(
                f"--cluster {spec}: cannot reach the Dask scheduler ({reason(exc)}); "
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

    def node_scope(self, label: str) -> contextlib.AbstractContextManager[None]:
        """Within it, joblib (scikit-learn's n_jobs: cross-validation, parameter search,
        forests) runs its tasks on this cluster; a lost worker fails the node with why."""
        from .backend import on_cluster

        return on_cluster(self.client, self.spec)

    def run(
        self,
        node_type: type[NodeType],
        settings: Any,
        inputs: list[Any],
        ctx: ExecutionContext,
        cancel: threading.Event,
    ) -> tuple[list[Any], Any]:
        """`run_node` as one task on the cluster (its joblib work there too): `(outputs,
        fitted state)`, progress live, warnings after. A worker dying under it, or the
        scheduler going away, fails the node saying so; `cancel` cancels the task."""
        from distributed import KilledWorker
        from distributed.comm.core import CommClosedError

        from .backend import lost_scheduler, lost_worker
        from .tasks import run_node_task

        token = uuid.uuid4().hex[:12]
        topic = f"knotwork-progress-{token}"
        self.client.subscribe_topic(topic, functools.partial(_progress, ctx))
        try:
            [data] = self.client.scatter([inputs], hash=False)  # big tables: not in the graph
            future = self.client.submit(
                run_node_task,
                node_type,
                settings,
                data,
                context_fields(ctx),
                topic,
                key=f"knotwork-node-{ctx.node_id}-{token}",
                pure=False,
            )
            message = _outcome(future, cancel, ctx.label)
        except KilledWorker as exc:
            raise lost_worker(exc, self.spec) from None
        except CommClosedError as exc:
            raise lost_scheduler(exc, self.spec) from None
        finally:
            self.client.unsubscribe_topic(topic)
        for note in message[-1]:
            ctx.warn(note)
        if message[0] != "done":
            raise rebuilt_error(*message[1:4])
        return list(message[1]), message[2]


def _progress(ctx: ExecutionContext, event: tuple) -> None:
    """A progress event from the task: `(time, (fraction, message))`."""
    with contextlib.suppress(CancelledError):  # a cancel meanwhile: the run is ending
        ctx.progress(*event[1])


def _outcome(future: Any, cancel: threading.Event, label: str) -> tuple:
    """The task's result, looking at `cancel` meanwhile (a cancel cancels the task). Waits
    on a done-callback: `Future.result(timeout=...)` can fail with UnboundLocalError
    when its timeout races the result (distributed.utils.sync)."""
    done = threading.Event()
    future.add_done_callback(lambda _: done.set())
    while not done.wait(POLL_SECONDS):
        if cancel.is_set():
            future.cancel()
            raise CancelledError(f"{label}: cancelled")
    return future.result()
