"""JUnit XML for CI servers: a <testsuite> per test file, a <testcase> per case, a
<failure> whose message is the first reason and whose text lists them all."""

from __future__ import annotations

import datetime as dt
import socket
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from studio.core.fileformat import atomic_write

from .runner import SuiteResult


def junit_xml(results: Sequence[SuiteResult], seconds: float | None = None) -> bytes:
    cases = [c for r in results for c in r.cases]
    root = ET.Element(
        "testsuites",
        name="knotwork test",
        tests=str(len(cases)),
        failures=str(sum(1 for c in cases if c.failures and c.error is None)),
        errors=str(sum(1 for c in cases if c.error is not None)),
        time=f"{seconds if seconds is not None else sum(c.seconds for c in cases):.3f}",
    )
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    for result in results:
        suite = ET.SubElement(
            root,
            "testsuite",
            name=result.path.name.removesuffix(".knotwork-test.json"),
            file=str(result.path),
            tests=str(len(result.cases)),
            failures=str(sum(1 for c in result.cases if c.failures and c.error is None)),
            errors=str(sum(1 for c in result.cases if c.error is not None)),
            skipped="0",
            time=f"{sum(c.seconds for c in result.cases):.3f}",
            timestamp=stamp,
            hostname=socket.gethostname(),
        )
        ET.SubElement(
            ET.SubElement(suite, "properties"),
            "property",
            name="workflow",
            value=str(result.workflow),
        )
        classname = result.workflow.name.removesuffix(".knotwork.json")
        for case in result.cases:
            item = ET.SubElement(
                suite, "testcase", classname=classname, name=case.name, time=f"{case.seconds:.3f}"
            )
            if case.error is not None:
                node = ET.SubElement(item, "error", message=case.error, type="error")
                node.text = case.error
            elif case.failures:
                node = ET.SubElement(item, "failure", message=case.failures[0], type="expectation")
                node.text = "\n".join(case.failures)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def write_junit(
    path: str | Path, results: Sequence[SuiteResult], seconds: float | None = None
) -> None:
    """Write the report atomically: a CI server never reads half a file."""
    atomic_write(path, junit_xml(results, seconds))
