"""Finding test files, checking them against their workflow before anything runs, and
running their cases. Qt-free: the CLI and the studio both call `prepare` and `run_suite`."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from studio.core import Workflow
from studio.core.errors import KnotworkError, SuiteFileError
from studio.core.ports import PortType, Table

from .checks import evaluate, metrics_port, write_golden
from .schema import (
    SUFFIX,
    Case,
    FailsCheck,
    GoldenCheck,
    MetricCheck,
    Suite,
    VerdictCheck,
    load_suite,
)

if TYPE_CHECKING:
    from studio.core.workers import NodeWorkers

WORKFLOW_SUFFIX = ".knotwork.json"
_SKIPPED_DIRS = {"__pycache__", "node_modules"}


@dataclass
class CaseResult:
    name: str
    failures: list[str] = field(default_factory=list)  # one reason per unmet expectation
    error: str | None = None  # the case could not run at all (a crash, a cancel)
    notes: list[str] = field(default_factory=list)  # golden files written, say
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None


@dataclass
class SuiteResult:
    path: Path
    workflow: Path
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cases)


@dataclass
class PreparedSuite:
    """A test file, read and checked against its workflow (every node, port, setting,
    parameter and golden file it names exists)."""

    path: Path
    suite: Suite
    workflow_path: Path


def discover(paths: Iterable[str | Path]) -> list[Path]:
    """The test files PATHs mean: a test file itself, the test files beside a workflow file
    that name it, or every test file under a folder (none given: the current folder)."""
    found: list[Path] = []
    for raw in list(paths) or [Path.cwd()]:
        path = Path(raw)
        if path.is_dir():
            found += _under(path)
        elif path.name.endswith(SUFFIX) and path.is_file():
            found.append(path)
        elif path.name.endswith(WORKFLOW_SUFFIX) and path.is_file():
            found += tests_of(path)
        elif not path.exists():
            raise KnotworkError(f"{path}: no such file or folder")
        else:
            raise KnotworkError(
                f"{path}: not a test file (*{SUFFIX}), a workflow (*{WORKFLOW_SUFFIX}) or a folder"
            )
    unique: dict[Path, Path] = {p.resolve(): p for p in found}
    return list(unique.values())


def _under(folder: Path) -> list[Path]:
    """Test files under a folder, not descending into hidden folders (.git, .venv)."""
    out = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in _SKIPPED_DIRS)
        out += [Path(root) / f for f in sorted(files) if f.endswith(SUFFIX)]
    return out


def tests_of(workflow: Path) -> list[Path]:
    """The test files beside a workflow that name it; an unreadable one is kept, so its
    mistake is reported rather than skipped."""
    out = []
    for path in sorted(workflow.parent.glob(f"*{SUFFIX}")):
        try:
            named = (path.parent / load_suite(path).workflow).resolve()
        except SuiteFileError:
            out.append(path)
            continue
        if named == workflow.resolve():
            out.append(path)
    return out


def prepare(
    path: str | Path,
    load: Callable[[Path], Workflow] | None = None,
    update_golden: bool = False,
) -> PreparedSuite:
    """Read a test file and check it against its workflow, so a typo is a SuiteFileError
    naming the file, the case and the field before any case runs. A golden file may be
    missing when it is about to be written (`update_golden`)."""
    path = Path(path)
    suite = load_suite(path)
    workflow_path = (path.parent / suite.workflow).resolve()
    if not workflow_path.is_file():
        raise SuiteFileError(str(path), f"workflow: no workflow file {workflow_path}")
    try:
        wf = (load or Workflow.load)(workflow_path)
    except KnotworkError as exc:
        raise SuiteFileError(str(path), f"workflow: cannot load it: {exc}") from None
    problems = []
    for case in suite.cases:  # every bad case is named, not only the first
        try:
            _check_case(wf, suite, case, path.parent, update_golden)
        except KnotworkError as exc:
            problems.append(f'case "{case.name}": {exc}')
    if problems:
        raise SuiteFileError(str(path), "; ".join(problems))
    return PreparedSuite(path, suite, workflow_path)


def _check_case(wf: Workflow, suite: Suite, case: Case, base: Path, update_golden: bool) -> None:
    try:
        values = wf.parameter_values({**suite.parameters, **case.parameters})
    except KnotworkError as exc:
        raise KnotworkError(f"parameters: {exc}") from None
    for ref, settings in case.settings.items():
        node_type = _field(f"settings.{ref}", lambda r=ref: wf.node_type(r))
        inst = wf.node(ref)
        fields = node_type.Settings.model_fields
        for name, value in settings.items():
            if name not in fields:
                raise KnotworkError(
                    f'settings.{ref}.{name}: node "{inst.label}" has no setting '
                    f"{name!r} (its settings: {', '.join(fields)})"
                )
            try:  # a value the setting can never take (type, bounds) is the file's mistake
                node_type.check_setting(name, value, {**inst.settings, **settings}, values)
            except KnotworkError as exc:
                why = getattr(exc, "message", str(exc))  # the setting is named already
                raise KnotworkError(f"settings.{ref}.{name}: {why}") from None
    for i, exp in enumerate(case.expect):
        at = f"expect[{i}] ({exp.check})"
        outputs = _field(f"{at}: node", lambda e=exp: wf.node_type(e.node).outputs)
        if isinstance(exp, FailsCheck):
            continue
        port = (
            metrics_port(wf, exp.node, exp.port)
            if isinstance(exp, (MetricCheck, VerdictCheck))
            else exp.port
        )
        index = _port_index(outputs, port)
        label = wf.node(exp.node).label
        if index is None:
            names = ", ".join(p.name for p in outputs) or "none"
            raise KnotworkError(
                f'{at}: port: node "{label}" has no output port {port!r} (its outputs: {names})'
            )
        kind = outputs[index].type
        wanted = (
            (PortType.METRICS, PortType.MODEL)
            if isinstance(exp, (MetricCheck, VerdictCheck))
            else (PortType.TABLE,)
        )
        if kind not in wanted:
            raise KnotworkError(
                f'{at}: port: "{label}".{outputs[index].name} is a {kind.value} output; '
                f"a {exp.check} check reads a {' or '.join(w.value for w in wanted)}"
            )
        if exp.check == "golden" and not update_golden and not (base / exp.file).is_file():
            raise KnotworkError(f"{at}: file: no golden file {base / exp.file}")


def _field(where: str, lookup):
    try:
        return lookup()
    except KnotworkError as exc:
        raise KnotworkError(f"{where}: {exc}") from None


def _port_index(outputs: tuple, port: str | int) -> int | None:
    if isinstance(port, int):
        return port if 0 <= port < len(outputs) else None
    return next((i for i, p in enumerate(outputs) if p.name == port), None)


def run_suite(
    prepared: PreparedSuite,
    load: Callable[[Path], Workflow] | None = None,
    on_case: Callable[[CaseResult], None] | None = None,
    cancel: threading.Event | None = None,
    workers: NodeWorkers | None = None,
    update_golden: bool = False,
) -> SuiteResult:
    """Run every case of a prepared test file. Cases that change no settings share one
    workflow, so what they have in common runs once; a case that changes settings gets its
    own copy. Only the nodes the expectations name (and what they need) run; `workers`
    runs the long ones in worker processes, which a cancel ends at once. `update_golden`
    writes each golden check's table to its file instead of comparing (review the change
    with `git diff`)."""
    load = load or Workflow.load
    result = SuiteResult(prepared.path, prepared.workflow_path)
    shared: Workflow | None = None
    for case in prepared.suite.cases:
        if cancel is not None and cancel.is_set():
            outcome = CaseResult(case.name, error="cancelled")
        else:
            start = time.perf_counter()
            if case.settings:
                wf = load(prepared.workflow_path)
            else:
                shared = shared or load(prepared.workflow_path)
                wf = shared
            outcome = _run_case(wf, prepared, case, cancel, workers, update_golden)
            outcome.seconds = time.perf_counter() - start
        result.cases.append(outcome)
        if on_case is not None:
            on_case(outcome)
    return result


def _run_case(
    wf: Workflow,
    prepared: PreparedSuite,
    case: Case,
    cancel: threading.Event | None,
    workers: NodeWorkers | None,
    update_golden: bool,
) -> CaseResult:
    outcome = CaseResult(case.name)
    try:
        for ref, settings in case.settings.items():
            for name, value in settings.items():
                wf.set_setting(ref, name, value)
        targets = list(dict.fromkeys(wf.node(e.node).id for e in case.expect))
        run = wf.run(
            parameters={**prepared.suite.parameters, **case.parameters},
            targets=targets,
            cancel=cancel,
            workers=workers,
        )
        if run.cancelled:
            outcome.error = "cancelled"
            return outcome
        base = prepared.path.parent
        for exp in case.expect:
            table = run.output(exp.node, exp.port) if isinstance(exp, GoldenCheck) else None
            if update_golden and isinstance(table, Table):
                outcome.notes.append(write_golden(table.df, exp, base))
                continue
            reason = evaluate(wf, run, exp, base)
            if reason is not None:
                outcome.failures.append(reason)
    except KnotworkError as exc:  # a setting the node refuses, say
        outcome.error = str(exc)
    except Exception as exc:  # a defect, reported on the case rather than ending the run
        outcome.error = f"{type(exc).__name__}: {exc}"
    return outcome
