"""`knotwork test`: run the test cases kept beside workflows (`*.knotwork-test.json`).

Exit 0 when every case passed, 1 when one failed, 2 for bad usage or a bad test file
(every file is checked against its workflow before any case runs)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import threading
import time
from pathlib import Path

from studio.cli.run import _cancel_on_interrupt
from studio.core.errors import KnotworkError, SuiteFileError
from studio.testing import (
    CaseResult,
    PreparedSuite,
    SuiteResult,
    discover,
    prepare,
    run_suite,
    write_junit,
)


def _shown(path: Path) -> str:
    """Relative to the current folder when inside it, as the user typed it; else absolute."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path.resolve()) if relative.startswith("..") else relative


def case_lines(case: CaseResult) -> list[str]:
    """`  PASS  name (1.2s)` and, for a failure, one indented line per reason."""
    verdict = "PASS" if case.passed else ("ERROR" if case.error is not None else "FAIL")
    lines = [f"  {verdict:<5} {case.name} ({case.seconds:.1f}s)"]
    if case.error is not None:
        lines.append(f"        {case.error}")
    lines += [f"        {reason}" for reason in case.failures]
    lines += [f"        {note}" for note in case.notes]
    return lines


def _print_case(case: CaseResult) -> None:
    print(*case_lines(case), sep="\n", flush=True)  # as each case ends, not at the end


def summary_line(results: list[SuiteResult], seconds: float) -> str:
    cases = [c for r in results for c in r.cases]
    passed = sum(c.passed for c in cases)
    failed = sum(1 for c in cases if c.failures and c.error is None)
    errors = sum(1 for c in cases if c.error is not None)
    parts = [f"{passed} passed", f"{failed} failed"] + ([f"{errors} errors"] if errors else [])
    files = f"{len(results)} test file{'s' if len(results) != 1 else ''}"
    return f"{', '.join(parts)} in {seconds:.1f}s ({files})"


def _only(item: PreparedSuite, text: str) -> PreparedSuite:
    """The cases whose name contains `text` (any case), for running one while working on it."""
    cases = [c for c in item.suite.cases if text.lower() in c.name.lower()]
    return dataclasses.replace(item, suite=item.suite.model_copy(update={"cases": cases}))


def cmd_test(args: argparse.Namespace) -> int:
    files = discover(args.paths)
    if not files:
        where = ", ".join(args.paths) or "the current folder"
        raise KnotworkError(f"no test files (*.knotwork-test.json) in {where}")
    prepared, problems = [], []
    for path in files:  # every bad file is reported, and nothing runs
        try:
            prepared.append(prepare(path, update_golden=args.update_golden))
        except SuiteFileError as exc:
            problems.append(str(exc))
    if problems:
        for line in problems:
            print(f"knotwork: {line}", file=sys.stderr)
        return 2
    if args.k:
        prepared = [p for p in (_only(p, args.k) for p in prepared) if p.suite.cases]
        if not prepared:
            raise KnotworkError(f"-k {args.k}: no case name contains {args.k!r}")
    start = time.perf_counter()
    results = []
    cancel = threading.Event()
    with _cancel_on_interrupt(cancel):  # Ctrl-C: the running case stops, the rest are skipped
        for item in prepared:
            print(f"{_shown(item.path)} (workflow {_shown(item.workflow_path)})", flush=True)
            results.append(
                run_suite(
                    item, on_case=_print_case, cancel=cancel, update_golden=args.update_golden
                )
            )
    seconds = time.perf_counter() - start
    print(summary_line(results, seconds))
    if args.junit:
        write_junit(args.junit, results, seconds)
    if cancel.is_set():
        return 130
    return 0 if all(r.passed for r in results) else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "test",
        help="run the workflow tests (*.knotwork-test.json) beside workflows",
        description="Run workflow test cases: expectations on node outputs (metrics, row "
        "counts, columns, golden CSV files, expected failures). Exit 0 when all pass, 1 when "
        "one fails, 2 for a bad test file.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="a test file, a workflow (its test files), or a folder searched recursively "
        "(default: the current folder)",
    )
    p.add_argument("--junit", metavar="FILE", help="also write the results as JUnit XML")
    p.add_argument(
        "--update-golden",
        action="store_true",
        help="write each golden check's table to its file instead of comparing "
        "(then review the change with git diff)",
    )
    p.add_argument("-k", metavar="TEXT", help="run only the cases whose name contains TEXT")
    p.set_defaults(func=cmd_test)
