"""Worker processes that run long nodes (learners, searches, cross-validation) where a
cancel can stop them at once: a thread cannot be interrupted inside scikit-learn, a
process can be ended.

`NodeWorkers` keeps started processes warm between nodes and runs. A node crosses the
boundary by pickle: its class (by reference), validated settings, input values and the
few context fields it may use; its outputs and fitted state come back the same way,
progress and warnings as messages on the way. A node that cannot be pickled (a class
defined inside a function) runs in this process instead, as before.

Unpickling is safe here: both ends are this program, talking over a pipe the parent made
for its own child (as multiprocessing itself does); no stranger's bytes reach `loads`.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import types
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from .errors import CancelledError, KnotworkError
from .node import ExecutionContext, NodeType, run_node

if TYPE_CHECKING:
    from .catalog import Catalog

log = logging.getLogger("knotwork.workers")
POLL_SECONDS = 0.05  # how often a waiting run looks at its cancel flag
_PROTOCOL = pickle.HIGHEST_PROTOCOL


class _Worker:
    """One spawned process and our end of its pipe."""

    def __init__(self, context: multiprocessing.context.BaseContext):
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child,), name="knotwork-node-worker", daemon=True
        )
        # The worker imports what a task names and nothing else: it must not re-run the
        # parent's main script (a user's script, pytest, the studio), as spawn would.
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            self.process.start()
        finally:
            sys.modules["__main__"] = main
        child.close()

    def alive(self) -> bool:
        return self.process.is_alive()

    def kill(self) -> None:
        """End the worker and whatever it started (joblib/loky pools share its process group)."""
        pid = self.process.pid
        if pid is not None and self.process.is_alive():
            try:
                if hasattr(os, "killpg"):
                    os.killpg(pid, signal.SIGKILL)
                else:  # Windows: no process groups; joblib's workers notice their parent left
                    self.process.kill()
            except OSError:  # already gone, or not yet a group leader
                self.process.kill()
        self.process.join(5)
        self.conn.close()


class NodeWorkers:
    """A set of warm worker processes; `run` runs one node in one of them, `close` ends all.

    Workers are forked from a fork server that imported the long-running node types of
    `catalog` once (where the platform has one), so replacing a worker ended by a cancel
    costs a fork, not a fresh interpreter importing scikit-learn; elsewhere they are spawned.
    """

    def __init__(self, catalog: Catalog | None = None, context: str | None = None):
        if context is None:
            forkserver = "forkserver" in multiprocessing.get_all_start_methods()
            context = "forkserver" if forkserver else "spawn"
        self._context = multiprocessing.get_context(context)
        if context == "forkserver":
            types_ = catalog.all() if catalog is not None else []
            modules = sorted({t.__module__ for t in types_ if t.long_running} - {"__main__"})
            self._context.set_forkserver_preload([__name__, *modules])
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._lock = threading.Condition()
        self._starting = 0  # workers being started (a first start may take seconds)
        self._waiting = 0  # runs waiting for a worker
        self._start_error: KnotworkError | None = None
        self._closed = False

    def warm(self) -> None:
        """Start a worker in the background unless one is idle or starting already."""
        with self._lock:
            if self._closed or self._starting or any(w.alive() for w in self._idle):
                return
            self._start()

    def _start(self) -> None:
        """Start one worker off the caller's thread (called with the lock held)."""
        self._starting += 1

        def start() -> None:
            worker, error = None, None
            try:
                worker = _Worker(self._context)
            except Exception as exc:  # the run waiting for it fails its node, saying why
                error = KnotworkError(f"could not start a worker process: {exc}")
            with self._lock:
                self._starting -= 1
                self._start_error = error
                if worker is not None and not self._closed:
                    self._idle.append(worker)
                    worker = None
                self._lock.notify_all()
            if worker is not None:  # closed meanwhile
                worker.kill()

        threading.Thread(target=start, name="knotwork-start-worker", daemon=True).start()

    def _take(self, cancel: threading.Event, label: str) -> _Worker:
        """An idle worker, started if need be; a cancel meanwhile raises CancelledError."""
        with self._lock:
            self._waiting += 1
            try:
                while True:
                    if self._closed:
                        raise KnotworkError("the node workers were closed")
                    while self._idle:
                        worker = self._idle.pop()
                        if worker.alive():
                            self._busy.add(worker)
                            return worker
                        worker.kill()
                    if cancel.is_set():
                        raise CancelledError(f"{label}: cancelled")
                    if self._start_error is not None:
                        error, self._start_error = self._start_error, None
                        raise error
                    if self._starting < self._waiting:
                        self._start()
                    self._lock.wait(POLL_SECONDS)
            finally:
                self._waiting -= 1

    def _give_back(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
            if self._closed:
                worker.kill()
            else:
                self._idle.append(worker)

    def _discard(self, worker: _Worker) -> None:
        with self._lock:
            self._busy.discard(worker)
        worker.kill()

    def run(
        self,
        node_type: type[NodeType],
        settings: Any,
        inputs: list[Any],
        ctx: ExecutionContext,
        cancel: threading.Event,
    ) -> tuple[list[Any], Any]:
        """`run_node` in a worker: `(outputs, fitted state)`. Setting `cancel` ends the
        worker and raises CancelledError within POLL_SECONDS."""
        if node_type.__module__ == "__main__":  # not importable by a worker
            return run_node(node_type, settings, inputs, ctx)
        task = (node_type, settings, inputs, context_fields(ctx))
        try:
            payload = pickle.dumps(task, protocol=_PROTOCOL)
        except Exception as exc:  # e.g. a node class defined in a function: run it here
            log.debug("%s runs in-process: %s", ctx.label, exc)
            return run_node(node_type, settings, inputs, ctx)
        worker = self._take(cancel, ctx.label)
        try:
            worker.conn.send_bytes(payload)
            del payload
            while True:
                ready = wait([worker.conn, worker.process.sentinel], timeout=POLL_SECONDS)
                if cancel.is_set():
                    raise CancelledError(f"{ctx.label}: cancelled")
                if not ready:
                    continue
                try:
                    if worker.conn not in ready and not worker.conn.poll():
                        raise EOFError
                    message = pickle.loads(worker.conn.recv_bytes())
                except (EOFError, OSError):  # the process ended without answering
                    worker.process.join(5)
                    raise KnotworkError(
                        "the worker process running this node stopped unexpectedly "
                        f"(exit code {worker.process.exitcode}; out of memory?)"
                    ) from None
                kind = message[0]
                if kind == "progress":
                    ctx.progress(message[1], message[2])
                elif kind == "warning":
                    ctx.warn(message[1])
                elif kind == "done":
                    self._give_back(worker)
                    return list(message[1]), message[2]
                else:
                    self._give_back(worker)
                    raise rebuilt_error(message[1], message[2], message[3])
        except BaseException:
            if worker in self._busy:
                self._discard(worker)
                self.warm()  # ready for the next node
            raise

    def close(self) -> None:
        """End every worker, busy ones too (their runs raise CancelledError or fail)."""
        with self._lock:
            self._closed = True
            workers = [*self._idle, *self._busy]
            self._idle.clear()
        for worker in workers:
            worker.kill()

    def __enter__(self) -> NodeWorkers:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def context_fields(ctx: ExecutionContext) -> dict[str, Any]:
    """What of the context crosses to a worker process or a Dask worker (callbacks and the cancel flag stay here)."""
    return {
        "node_id": ctx.node_id,
        "label": ctx.label,
        "parameters": ctx.parameters,
        "base_dir": ctx.base_dir,
        "catalog": ctx._catalog,
    }


def context_from_fields(
    fields: dict[str, Any],
    on_progress: Callable[[float, str], None] | None,
    on_warning: Callable[[str], None] | None,
) -> ExecutionContext:
    """The node's context on the far side, its callbacks sending back to the run."""
    return ExecutionContext(
        fields["node_id"],
        fields["label"],
        fields["parameters"],
        on_progress=on_progress,
        base_dir=fields["base_dir"],
        catalog=fields["catalog"],
        on_warning=on_warning,
    )


def rebuilt_error(exc: BaseException | None, kind: str, text: str) -> BaseException:
    """The node's exception as the executor would have seen it in-process."""
    if exc is not None:
        return exc
    if kind == "knotwork":
        return KnotworkError(text)
    return KnotworkError(f"{kind}: {text}")  # the executor's wording for a node's own bug


# ---- the worker side ---------------------------------------------------------------------
def _exit_with_parent() -> None:
    """A worker never outlives the process that started it, however that one ended."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        wait([parent.sentinel])
        os._exit(1)


def _serve(conn: Connection) -> None:
    if hasattr(os, "setpgrp"):
        os.setpgrp()  # a terminal's Ctrl-C goes to the runner, which ends us on purpose
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    from . import executor  # noqa: F401  (pandas copy-on-write, as in the parent)

    lock = threading.Lock()

    def send(message: tuple) -> None:
        data = pickle.dumps(message, protocol=_PROTOCOL)
        with lock:
            conn.send_bytes(data)

    while True:
        try:
            payload = conn.recv_bytes()
        except EOFError:
            return
        try:
            node_type, settings, inputs, fields = pickle.loads(payload)
        except Exception as exc:  # e.g. the node's module does not import here
            send(error_message(exc))
            continue
        del payload
        ctx = context_from_fields(
            fields,
            on_progress=lambda f, m: send(("progress", f, m)),
            on_warning=lambda m: send(("warning", m)),
        )
        try:
            outputs, fitted = run_node(node_type, settings, inputs, ctx)
            data = pickle.dumps(("done", outputs, fitted), protocol=_PROTOCOL)
        except BaseException as exc:
            data = pickle.dumps(error_message(exc), protocol=_PROTOCOL)
        del inputs
        with lock:
            conn.send_bytes(data)


def error_message(exc: BaseException) -> tuple:
    """A node's exception as a message that crosses back (`rebuilt_error` undoes it)."""
    kind = "knotwork" if isinstance(exc, KnotworkError) else type(exc).__name__
    try:  # the exception itself when it survives the trip unchanged
        copy = pickle.loads(pickle.dumps(exc, protocol=_PROTOCOL))
        sent = copy if type(copy) is type(exc) and str(copy) == str(exc) else None
    except Exception:
        sent = None
    if sent is not None:
        sent.__traceback__ = None
    return ("error", sent, kind, str(exc))
