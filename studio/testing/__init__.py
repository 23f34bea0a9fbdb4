"""Workflow tests: `*.knotwork-test.json` files beside a workflow state what its outputs
must be (metrics within bounds, row counts, columns, golden tables, expected failures);
`knotwork test` and the studio's Run Tests run them."""

from __future__ import annotations

from .junit import junit_xml, write_junit
from .runner import CaseResult, PreparedSuite, SuiteResult, discover, prepare, run_suite, tests_of
from .schema import SUFFIX, Case, Suite, load_suite, parse_suite

__all__ = [
    "SUFFIX",
    "Case",
    "CaseResult",
    "PreparedSuite",
    "Suite",
    "SuiteResult",
    "discover",
    "junit_xml",
    "load_suite",
    "parse_suite",
    "prepare",
    "run_suite",
    "tests_of",
    "write_junit",
]
