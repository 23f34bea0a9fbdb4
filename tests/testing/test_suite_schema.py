"""The test file format: every document a stranger writes either reads as a Suite or is
refused with SuiteFileError naming the file, never with another exception."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from studio.core.errors import SuiteFileError
from studio.testing import parse_suite
from studio.testing.schema import GoldenCheck, MetricCheck

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
CHECK = st.fixed_dictionaries(
    {"check": st.sampled_from(["metric", "verdict", "rows", "columns", "golden", "fails", "x"])},
    optional={
        "node": st.text(max_size=6),
        "metric": st.text(max_size=6),
        "at_least": JSON,
        "equals": JSON,
        "min": st.integers(-3, 3),
        "file": st.text(max_size=6),
        "one_of": st.lists(st.sampled_from(["pass", "warn", "fail", "ok"]), max_size=2),
        "include": JSON,
    },
)
SUITE = st.fixed_dictionaries(
    {
        "workflow": st.text(max_size=6) | JSON,
        "cases": st.lists(
            st.fixed_dictionaries(
                {"name": st.text(max_size=6), "expect": st.lists(CHECK, max_size=3)},
                optional={"parameters": JSON, "settings": JSON},
            ),
            max_size=3,
        ),
    }
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(JSON, SUITE))
def test_any_json_document_reads_as_a_suite_or_is_refused_naming_the_file(document):
    try:
        suite = parse_suite(json.dumps(document), "t.knotwork-test.json")
    except SuiteFileError as exc:
        assert str(exc).startswith("t.knotwork-test.json: ")
        return
    assert suite.cases and all(case.expect for case in suite.cases)


@settings(max_examples=50, deadline=None)
@given(st.binary(max_size=40))
def test_any_bytes_read_as_a_suite_or_are_refused(data):
    try:
        parse_suite(data, "t.knotwork-test.json")
    except SuiteFileError:
        pass


def _suite(*checks, **case):
    return json.dumps(
        {"workflow": "w.knotwork.json", "cases": [{"name": "c", "expect": list(checks), **case}]}
    )


def test_checks_read_with_their_defaults():
    suite = parse_suite(
        _suite(
            {"check": "metric", "node": "Score", "metric": "rmse", "at_most": 60},
            {"check": "golden", "node": "Predict", "file": "g.csv"},
        ),
        "t",
    )
    metric, golden = suite.cases[0].expect
    assert isinstance(metric, MetricCheck) and metric.port is None and metric.at_least is None
    assert isinstance(golden, GoldenCheck) and (golden.port, golden.abs_tol, golden.rel_tol) == (
        0,
        1e-9,
        0.0,
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            _suite({"check": "metric", "node": "S", "metric": "f1"}),
            'case "c": expect[0] (metric): give at_least, at_most or both',
        ),
        (
            _suite({"check": "metric", "node": "S", "metric": "f1", "at_least": 2, "at_most": 1}),
            "at_least (2.0) is above at_most (1.0)",
        ),
        (
            _suite({"check": "rows", "node": "S", "min": 5, "max": 2}),
            "min (5) is above max (2)",
        ),
        (_suite({"check": "columns", "node": "S"}), "give include, exclude or both"),
        (
            _suite({"check": "golden", "node": "S", "file": "g.csv", "abs_tol": -1}),
            'case "c": expect[0] (golden): abs_tol: Input should be greater than or equal to 0',
        ),
        (
            _suite({"check": "verdict", "node": "S", "one_of": ["ok"]}),
            'case "c": expect[0] (verdict): one_of[0]: Input should be',
        ),
        (
            json.dumps(
                {
                    "workflow": "w",
                    "cases": [
                        {"name": "c", "expect": [{"check": "fails", "node": "S"}]},
                        {"name": "c", "expect": [{"check": "fails", "node": "S"}]},
                    ],
                }
            ),
            "two cases are named 'c'",
        ),
        ('{"workflow": "w", "case": []}', "case: unknown field (misspelt?)"),
    ],
)
def test_a_mistake_is_refused_naming_the_case_and_field(text, reason):
    with pytest.raises(SuiteFileError) as caught:
        parse_suite(text, "t.knotwork-test.json")
    assert reason in str(caught.value)


def test_workflow_tests_run_without_importing_qt():
    import subprocess
    import sys

    from tests.conftest import TEMPLATES

    code = (
        "import sys\n"
        "from studio.testing import prepare\n"
        f"prepare({str(TEMPLATES / 'diabetes' / 'diabetes.knotwork-test.json')!r})\n"
        "bad = [m for m in sys.modules if m.startswith('PySide6')]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
