"""Long-running test nodes for the worker-process tests: importable by a spawned worker."""

from __future__ import annotations

import os
import threading

import pandas as pd

from studio.core import Catalog, NodeType, Port, PortType, Table, default_catalog


class Stuck(NodeType):
    """Says it started, then blocks for ever without looking at the cancel flag (as a
    scikit-learn fit does): only ending its process stops it."""

    type_id = "test.stuck"
    name = "Stuck"
    long_running = True
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)

    def configure(self, s, specs, ctx):
        return [specs[0]]

    def execute(self, s, inputs, ctx):
        ctx.progress(0.01, "started")
        threading.Event().wait()
        return [inputs[0]]


class Where(NodeType):
    """Reports progress and a warning, and answers with the id of the process it ran in."""

    type_id = "test.where"
    name = "Where"
    long_running = True
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)

    def execute(self, s, inputs, ctx):
        ctx.progress(0.5, "half way")
        ctx.warn(f"{len(inputs[0].df)} rows seen")
        return [Table(pd.DataFrame({"pid": [os.getpid()]}))]


class Crash(NodeType):
    """Ends its process abruptly, as an out-of-memory kill would."""

    type_id = "test.crash"
    name = "Crash"
    long_running = True
    inputs = (Port("table", PortType.TABLE),)
    outputs = (Port("table", PortType.TABLE),)

    def execute(self, s, inputs, ctx):
        os._exit(3)


def worker_catalog() -> Catalog:
    return Catalog([*default_catalog().all(), Stuck, Where, Crash])
