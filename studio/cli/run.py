"""`knotwork run` and `knotwork validate`: the headless runner for teams and schedulers."""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from studio.cli.components import add_library_option, library, outdated_notes
from studio.core import Event, NodeState, StateChanged, Workflow
from studio.core.errors import GraphError, KnotworkError
from studio.core.fileformat import atomic_write
from studio.core.ports import VALUE_TYPES, Figure, Metrics, Model, PortType, Table, Transform


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """`--set NAME=VALUE` pairs into a dict; a malformed pair is a usage error."""
    out: dict[str, str] = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise KnotworkError(f"--set expects NAME=VALUE, got {item!r}")
        out[name.strip()] = value
    return out


def _parse_outputs(items: list[str] | None) -> list[tuple[str, str, Path]]:
    out = []
    for item in items or []:
        ref, sep, file = item.rpartition("=")
        if not sep or not ref or not file:
            raise KnotworkError(f"--output expects LABEL[:PORT]=FILE, got {item!r}")
        label, _, port = ref.rpartition(":") if ":" in ref else (ref, "", "0")
        out.append((label, port, Path(file)))
    return out


# The file types each kind of output can be written as, by extension.
EXTENSIONS = {
    PortType.TABLE: (".csv", ".parquet", ".json", ".xlsx"),
    PortType.METRICS: (".json",),
    PortType.MODEL: (".json",),
    PortType.TRANSFORM: (".json",),
    PortType.FIGURE: (".png",),
}


def check_extension(port_type: PortType, path: Path, what: str) -> None:
    """Refuse a file name whose extension does not say the format written (JSON in an .xlsx)."""
    allowed = EXTENSIONS.get(port_type, ())
    if path.suffix.lower() not in allowed:
        raise KnotworkError(
            f"--output {what}={path}: a {port_type.value} output is written as "
            f"{', '.join(allowed) or 'nothing'}; name the file with one of these extensions"
        )


def write_value(value: Any, path: Path) -> None:
    """Write a node output to a file whose type follows from the extension."""
    suffix = path.suffix.lower()
    kind = next((t for t, cls in VALUE_TYPES.items() if isinstance(value, cls)), None)
    if kind is None:
        raise KnotworkError(f"cannot write a {type(value).__name__} to {path}")
    check_extension(kind, path, "output")
    if isinstance(value, Table) and suffix == ".xlsx":
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp.xlsx")
        value.df.to_excel(tmp, index=False)
        tmp.replace(path)
    elif isinstance(value, Table):
        if suffix == ".parquet":
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            value.df.to_parquet(tmp)
            tmp.replace(path)
        elif suffix == ".json":
            atomic_write(path, value.df.to_json(orient="records", indent=2))
        else:
            atomic_write(path, value.df.to_csv(index=False))
    elif isinstance(value, Metrics):
        atomic_write(path, json.dumps(value.values, indent=2, sort_keys=True, default=str) + "\n")
    elif isinstance(value, Figure):
        atomic_write(path, value.png)
    elif isinstance(value, Model):
        summary = {
            "task": value.task,
            "features": value.features,
            "target": value.target,
            "classes": value.classes,
            "metrics": value.metrics,
            "learner": value.learner,
            "settings": value.settings,
            "validation": value.validation,
        }
        atomic_write(path, json.dumps(summary, indent=2, sort_keys=True, default=str) + "\n")
    elif isinstance(value, Transform):
        atomic_write(
            path,
            json.dumps(
                {
                    "kind": value.kind,
                    "input_columns": value.input_columns,
                    "node_type": value.node_type,
                    "settings": value.settings,
                },
                indent=2,
                sort_keys=True,
            )
            + "\n",
        )
    else:
        raise KnotworkError(f"cannot write a {type(value).__name__} to {path}")


class _Progress:
    """Rich progress on a terminal, plain lines otherwise."""

    def __init__(self, wf: Workflow, quiet: bool):
        self.wf = wf
        self.quiet = quiet
        self.rich = sys.stderr.isatty() and not quiet
        self._progress = None

    def __enter__(self) -> _Progress:
        if self.rich:
            from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

            self._progress = Progress(
                TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=False
            )
            self._progress.start()
            self._task = self._progress.add_task("running", total=max(1, len(self.wf.nodes)))
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._progress is not None:
            self._progress.stop()

    def __call__(self, event: Event) -> None:
        if not isinstance(event, StateChanged) or self.quiet:
            return
        state = event.state
        label = self.wf.node(event.node).label
        if self._progress is not None:
            if state in (NodeState.EXECUTED, NodeState.FAILED):
                self._progress.advance(self._task)
            self._progress.update(self._task, description=f"{label}: {state}")
        elif state in (NodeState.EXECUTED, NodeState.FAILED):
            print(f"{label}: {state}", file=sys.stderr, flush=True)


def _summary_lines(wf: Workflow, result) -> list[str]:
    """Headline numbers of every Metrics output, so a run shows what it achieved."""
    lines = []
    for inst in wf.nodes:
        node_type = wf.catalog.get(inst.type_id)
        for i in range(len(node_type.outputs)):
            value = wf.output(inst.id, i) if result.state(inst.id) == NodeState.EXECUTED else None
            if isinstance(value, Metrics):
                nums = {
                    k: v
                    for k, v in value.values.items()
                    if isinstance(v, (int, float)) and not isinstance(v, bool)
                }
                shown = [f"{k}={v:.4g}" for k, v in list(nums.items())[:6]]
                if isinstance(value.values.get("status"), str):  # a Validation Report's verdict
                    shown.insert(0, f"status={value.values['status']}")
                if shown:
                    lines.append(f"{inst.label}: {', '.join(shown)}")
    return lines


def cmd_run(args: argparse.Namespace) -> int:
    wf = Workflow.load(args.workflow)  # load warnings reach stderr through main's showwarning
    params = parse_assignments(args.set)
    outputs = _parse_outputs(args.output)
    for label, port, file in outputs:  # fail fast on a typo, before an hour of training
        ports = wf.node_type(label).outputs
        names = [p.name for p in ports]
        if port not in names and not (port.isdigit() and int(port) < len(names)):
            raise KnotworkError(
                f'node "{wf.node(label).label}" has no output port {port!r} '
                f"(its output ports: {', '.join(names) or 'none'})"
            )
        kind = ports[int(port)].type if port.isdigit() else ports[names.index(port)].type
        check_extension(kind, file, f"{label}:{port}")
    if args.jobs < 1:
        raise KnotworkError(f"--jobs must be 1 or more, got {args.jobs}")
    cluster = None
    if args.cluster:  # reached (or started) before anything runs
        from studio.scale import Cluster

        cluster = Cluster.connect(args.cluster)
        if not args.quiet:
            print(f"cluster: {cluster.describe()}", file=sys.stderr)
    start = time.perf_counter()
    # Under a cluster, long-running nodes run as its tasks, not in local worker processes.
    isolate = (sys.stderr.isatty() if args.isolate is None else args.isolate) and cluster is None
    cancel = threading.Event()
    try:
        with (
            _Progress(wf, args.quiet) as progress,
            _cancel_on_interrupt(cancel),
            _workers(wf, isolate) as workers,
        ):
            result = wf.run(
                parameters=params,
                jobs=args.jobs,
                on_event=progress,
                cancel=cancel,
                workers=workers,
                cluster=cluster,
            )
    finally:
        if cluster is not None:
            cluster.close()
    total = time.perf_counter() - start
    if result.cancelled:
        print("knotwork: run cancelled", file=sys.stderr)
    status = "success" if result.ok else ("cancelled" if result.cancelled else "failed")
    for nid, notes in result.warnings.items():
        for note in notes:
            print(f'node "{wf.node(nid).label}": warning: {note}', file=sys.stderr)
    for nid, msg in result.errors.items():
        print(
            f'node "{wf.node(nid).label}" failed: {msg.removeprefix(wf.node(nid).label + ": ")}',
            file=sys.stderr,
        )
    if result.ok:
        for line in _summary_lines(wf, result):
            print(line)
        for label, port, file in outputs:
            try:
                port_ref: int | str = int(port)
            except ValueError:
                port_ref = port
            value = wf.output(label, port_ref)
            if value is None:
                print(f"knotwork: {label}:{port} produced no value", file=sys.stderr)
                return 1
            write_value(value, file)
    if args.report:
        report = {
            "status": status,
            "workflow": str(args.workflow),
            "seconds": round(total, 6),
            "nodes": [
                {
                    "id": n.id,
                    "label": n.label,
                    "type": n.type_id,
                    "state": result.state(n.id),
                    "seconds": round(result.seconds.get(n.id, 0.0), 6),
                    "error": result.errors.get(n.id),
                    "warnings": result.warnings.get(n.id, []),
                }
                for n in wf.nodes
            ],
        }
        atomic_write(args.report, json.dumps(report, indent=2, sort_keys=True) + "\n")
    return 0 if result.ok else (130 if result.cancelled else 1)


@contextlib.contextmanager
def _workers(wf: Workflow, isolate: bool) -> Iterator[Any]:
    """Worker processes for the long-running nodes (`--isolate`), ended with the run."""
    if not isolate:
        yield None
        return
    from studio.core.workers import NodeWorkers

    with NodeWorkers(wf.catalog) as workers:
        workers.warm()
        yield workers


@contextlib.contextmanager
def _cancel_on_interrupt(cancel: threading.Event) -> Iterator[None]:
    """The first Ctrl-C cancels the run (a node in a worker stops at once, results so far are
    reported); a second one stops the process as usual."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if cancel.is_set():
            raise KeyboardInterrupt
        cancel.set()
        print("knotwork: cancelling (Ctrl-C again to stop at once)", file=sys.stderr, flush=True)

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_validate(args: argparse.Namespace) -> int:
    wf = Workflow.load(args.workflow)
    report = wf.configure(parse_assignments(args.set))
    if wf.components:  # a linked copy whose library has moved on is worth knowing about
        for line in outdated_notes(wf, library(args)):
            print(f"note: {line}")
    if report.ok:
        print(f"{args.workflow}: {len(wf.nodes)} nodes configure")
        return 0
    for line in report.problems():
        print(line)
    return 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run a workflow headless")
    p.add_argument("workflow", help="a *.knotwork.json file")
    p.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="override a workflow parameter"
    )
    p.add_argument(
        "--output",
        action="append",
        metavar="LABEL[:PORT]=FILE",
        help="write a node's output: a table as .csv, .parquet, .json or .xlsx; metrics, "
        "models and transforms as .json; figures as .png (by the file's extension)",
    )
    p.add_argument("--report", metavar="FILE", help="write a JSON run report")
    p.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="run up to N independent nodes at once"
    )
    p.add_argument(
        "--cluster",
        metavar="local[:N]|tcp://HOST:8786",
        help="run learners, cross-validation and parameter search as Dask tasks: a local cluster "
        "of N worker processes or a running scheduler",
    )
    p.add_argument(
        "--quiet", "-q", action="store_true", help="print nothing but results and errors"
    )
    p.add_argument(
        "--isolate",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run long nodes (learners, searches) in worker processes, so Ctrl-C stops them at "
        "once (default: on in a terminal)",
    )
    p.set_defaults(func=cmd_run)

    v = sub.add_parser(
        "validate", help="configure every node without running (checks settings and wiring)"
    )
    v.add_argument("workflow", help="a *.knotwork.json file")
    v.add_argument(
        "--set", action="append", metavar="NAME=VALUE", help="override a workflow parameter"
    )
    add_library_option(v)
    v.set_defaults(func=cmd_validate)


__all__ = ["register", "parse_assignments", "write_value", "GraphError"]
