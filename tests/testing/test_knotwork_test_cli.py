"""`knotwork test` on the real penguins template: passing, failing and expected-failure
cases, golden files within and beyond tolerance, JUnit XML, and bad test files."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from studio.cli.main import main
from studio.core import Workflow
from studio.testing import discover, prepare
from tests.conftest import TEMPLATES


@pytest.fixture
def penguins_dir(tmp_path):
    """A copy of the penguins template with its shipped test file."""
    return shutil.copytree(TEMPLATES / "penguins", tmp_path / "penguins")


def _write(folder, name, cases, **extra):
    path = folder / f"{name}.knotwork-test.json"
    path.write_text(json.dumps({"workflow": "penguins.knotwork.json", "cases": cases, **extra}))
    return path


def _test_rows(folder) -> pd.DataFrame:
    wf = Workflow.load(folder / "penguins.knotwork.json")
    assert wf.run(targets=["Split"]).ok
    return wf.output("Split", "test").df.reset_index(drop=True)


def test_the_shipped_penguins_tests_pass_and_exit_0(penguins_dir, capsys):
    assert main(["test", str(penguins_dir)]) == 0
    out = capsys.readouterr().out
    assert out.count("  PASS  ") == 6
    assert "6 passed, 0 failed" in out


def test_the_shipped_diabetes_tests_name_only_what_its_workflow_has(tmp_path, capsys):
    prepared = prepare(TEMPLATES / "diabetes" / "diabetes.knotwork-test.json")
    assert len(prepared.suite.cases) == 4
    # The quick cases really run (the metric case trains the search; `knotwork test` runs it).
    folder = shutil.copytree(TEMPLATES / "diabetes", tmp_path / "diabetes")
    path = folder / "diabetes.knotwork-test.json"
    data = json.loads(path.read_text())
    data["cases"] = [c for c in data["cases"] if "Score test" not in json.dumps(c)]
    data["cases"] = [c for c in data["cases"] if "Validation Report" not in json.dumps(c)]
    path.write_text(json.dumps(data))
    assert main(["test", str(path)]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out


def test_a_metric_below_expectation_fails_with_expected_and_actual(penguins_dir, capsys):
    path = _write(
        penguins_dir,
        "strict",
        [
            {
                "name": "too demanding",
                "expect": [
                    {"check": "metric", "node": "Score test", "metric": "accuracy", "at_most": 0.5}
                ],
            },
            {
                "name": "reasonable",
                "expect": [
                    {"check": "metric", "node": "Score test", "metric": "accuracy", "at_least": 0.9}
                ],
            },
        ],
    )
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert "  FAIL  too demanding" in out
    assert '"Score test".metrics: expected accuracy <= 0.5, got 1' in out
    assert "  PASS  reasonable" in out
    assert "1 passed, 1 failed" in out


def test_an_unknown_metric_names_the_metrics_there_are(penguins_dir, capsys):
    path = _write(
        penguins_dir,
        "typo",
        [
            {
                "name": "auc",
                "expect": [
                    {"check": "metric", "node": "Score test", "metric": "auc", "at_least": 0.9}
                ],
            }
        ],
    )
    assert main(["test", str(path)]) == 1
    assert "no metric 'auc' (its metrics: accuracy, precision" in capsys.readouterr().out


def test_a_golden_table_passes_within_tolerance_and_fails_beyond_it(penguins_dir, capsys):
    golden = _test_rows(penguins_dir)
    golden.loc[4, "bill_length_mm"] += 0.01
    (penguins_dir / "golden").mkdir(exist_ok=True)
    golden.to_csv(penguins_dir / "golden" / "split_test.csv", index=False)

    def case(name, **tol):
        check = {
            "check": "golden",
            "node": "Split",
            "port": "test",
            "file": "golden/split_test.csv",
        }
        return {"name": name, "expect": [{**check, **tol}]}

    path = _write(
        penguins_dir,
        "golden",
        [
            case("loose absolute", abs_tol=0.05),
            case("loose relative", abs_tol=0, rel_tol=1e-3),
            case("tight", abs_tol=0.001),
        ],
    )
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert "  PASS  loose absolute" in out
    assert "  PASS  loose relative" in out
    assert "  FAIL  tight" in out
    expected = golden.loc[4, "bill_length_mm"]
    assert "1 cell(s) differ from golden/split_test.csv beyond tolerance" in out
    got = float(expected) - 0.01
    assert f"row 4, column 'bill_length_mm': expected {float(expected)!r}, got " in out
    assert abs(float(out.split("got ")[-1].split()[0].rstrip(",;")) - got) < 1e-9


def test_a_golden_table_with_other_text_or_columns_fails(penguins_dir, capsys):
    golden = _test_rows(penguins_dir)
    golden.loc[0, "species"] = "Emperor"
    golden.to_csv(penguins_dir / "species.csv", index=False)
    golden.drop(columns=["sex"]).to_csv(penguins_dir / "fewer.csv", index=False)
    path = _write(
        penguins_dir,
        "golden",
        [
            {
                "name": "text differs",
                "expect": [
                    {"check": "golden", "node": "Split", "port": "test", "file": "species.csv"}
                ],
            },
            {
                "name": "a column too many",
                "expect": [
                    {"check": "golden", "node": "Split", "port": "test", "file": "fewer.csv"}
                ],
            },
            {
                "name": "only the columns named",
                "expect": [
                    {
                        "check": "golden",
                        "node": "Split",
                        "port": "test",
                        "file": "fewer.csv",
                        "columns": ["island", "body_mass_g"],
                    }
                ],
            },
        ],
    )
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert "row 0, column 'species': expected 'Emperor', got 'Adelie'" in out
    assert "not in the golden file: sex; missing from the output: none" in out
    assert "  PASS  only the columns named" in out


def test_an_expected_failure_passes_only_when_the_node_fails_with_that_message(
    penguins_dir, capsys
):
    refuse = {"Roles": {"target": "beak"}}
    path = _write(
        penguins_dir,
        "failures",
        [
            {
                "name": "refused",
                "settings": refuse,
                "expect": [
                    {"check": "fails", "node": "Roles", "message": "'beak' not in the input"}
                ],
            },
            {
                "name": "other message",
                "settings": refuse,
                "expect": [{"check": "fails", "node": "Roles", "message": "out of memory"}],
            },
            {
                "name": "runs fine",
                "expect": [{"check": "fails", "node": "Roles", "message": "not in the input"}],
            },
            {
                "name": "downstream of the failure",
                "settings": refuse,
                "expect": [{"check": "rows", "node": "Split", "port": "test", "min": 1}],
            },
        ],
    )
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert "  PASS  refused" in out
    assert "expected a failure containing 'out of memory', got: target: column(s) 'beak'" in out
    assert "expected to fail with a message containing 'not in the input', but it ran" in out
    assert 'it did not run: upstream node "Roles" failed' in out
    assert "1 passed, 3 failed" in out


def test_junit_xml_has_a_suite_per_file_and_a_failure_per_failed_case(penguins_dir, tmp_path):
    (penguins_dir / "penguins.knotwork-test.json").unlink()
    refused = {"name": "refused", "settings": {"Roles": {"target": "beak"}}}
    _write(penguins_dir, "other", [{**refused, "expect": [{"check": "fails", "node": "Roles"}]}])
    _write(
        penguins_dir,
        "mixed",
        [
            {
                "name": "rows right",
                "expect": [{"check": "rows", "node": "Split", "port": "train", "equals": 206}],
            },
            {
                "name": "rows wrong",
                "expect": [
                    {"check": "rows", "node": "Split", "port": "train", "min": 300},
                    {"check": "columns", "node": "Split", "port": "train", "include": ["year"]},
                ],
            },
        ],
    )
    report = tmp_path / "reports" / "junit.xml"
    assert main(["test", str(penguins_dir), "--junit", str(report)]) == 1
    root = ET.parse(report).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "0")
    suites = {s.get("name"): s for s in root.findall("testsuite")}
    assert set(suites) == {"mixed", "other"}
    assert [c.get("name") for c in suites["other"].findall("testcase")] == ["refused"]
    mixed = suites["mixed"]
    assert (mixed.get("tests"), mixed.get("failures")) == ("2", "1")
    cases = {c.get("name"): c for c in mixed.findall("testcase")}
    assert cases["rows right"].find("failure") is None
    failure = cases["rows wrong"].find("failure")
    assert failure.get("message") == '"Split".train: expected at least 300 rows, got 206'
    assert "expected columns year, which are missing" in failure.text
    assert all(c.get("classname") == "penguins" for c in cases.values())
    assert [p.name for p in report.parent.iterdir()] == ["junit.xml"]  # no temp file left


@pytest.mark.parametrize(
    ("case", "named"),
    [
        (
            {
                "name": "c",
                "expect": [{"check": "metric", "node": "Score test", "metric": "f1", "at_lest": 1}],
            },
            'case "c": expect[0] (metric): at_lest: unknown field',
        ),
        (
            {
                "name": "c",
                "expect": [{"check": "metric", "node": "Score tst", "metric": "f1", "at_least": 1}],
            },
            "case \"c\": expect[0] (metric): node: no node with id or label 'Score tst': did you mean 'Score test'?",
        ),
        (
            {
                "name": "c",
                "expect": [{"check": "rows", "node": "Split", "port": "tests", "min": 1}],
            },
            'case "c": expect[0] (rows): port: node "Split" has no output port \'tests\'',
        ),
        (
            {"name": "c", "expect": [{"check": "rows", "node": "Score test", "min": 1}]},
            'case "c": expect[0] (rows): port: "Score test".metrics is a metrics output',
        ),
        (
            {"name": "c", "expect": [{"check": "golden", "node": "Split", "file": "none.csv"}]},
            'case "c": expect[0] (golden): file: no golden file',
        ),
        (
            {
                "name": "c",
                "parameters": {"seed": "many"},
                "expect": [{"check": "fails", "node": "Roles"}],
            },
            "case \"c\": parameters: parameter 'seed': 'many' is not a valid integer",
        ),
        (
            {
                "name": "c",
                "settings": {"Roles": {"targt": "x"}},
                "expect": [{"check": "fails", "node": "Roles"}],
            },
            'case "c": settings.Roles.targt: node "Roles" has no setting \'targt\'',
        ),
        (
            {
                "name": "c",
                "settings": {"Split": {"train_fraction": 5}},
                "expect": [{"check": "fails", "node": "Split"}],
            },
            'case "c": settings.Split.train_fraction: Train Fraction must be less than 1, not 5',
        ),
        (
            {"name": "c", "expect": [{"check": "rows", "node": "Split", "equals": 1, "max": 2}]},
            'case "c": expect[0] (rows): give equals or min/max, not both',
        ),
        ({"name": "c", "expect": []}, 'case "c": expect: List should have at least 1 item'),
        ({"expect": [{"check": "fails", "node": "Roles"}]}, "cases[0]: name: Field required"),
    ],
)
def test_a_bad_test_file_exits_2_naming_the_file_case_and_field(penguins_dir, capsys, case, named):
    path = _write(penguins_dir, "bad", [case])
    assert main(["test", str(path)]) == 2
    captured = capsys.readouterr()
    assert f"knotwork: {path}: {named}" in captured.err
    assert "PASS" not in captured.out and "FAIL" not in captured.out  # nothing ran


def test_a_test_file_that_is_not_json_or_names_no_workflow_exits_2(penguins_dir, capsys):
    broken = penguins_dir / "broken.knotwork-test.json"
    broken.write_text('{"workflow": ')
    elsewhere = _write(
        penguins_dir, "elsewhere", [{"name": "c", "expect": [{"check": "fails", "node": "x"}]}]
    )
    data = json.loads(elsewhere.read_text())
    elsewhere.write_text(json.dumps({**data, "workflow": "gone.knotwork.json"}))
    assert main(["test", str(penguins_dir)]) == 2
    err = capsys.readouterr().err
    assert f"{broken}: not valid JSON" in err
    assert f"{elsewhere}: workflow: no workflow file" in err


def test_paths_mean_a_test_file_a_workflow_s_tests_or_a_folder(penguins_dir, tmp_path, capsys):
    other = penguins_dir / "other.knotwork.json"
    shutil.copy(penguins_dir / "penguins.knotwork.json", other)
    mine = _write(
        penguins_dir, "mine", [{"name": "c", "expect": [{"check": "fails", "node": "x"}]}]
    )
    theirs = _write(
        penguins_dir, "theirs", [{"name": "c", "expect": [{"check": "fails", "node": "x"}]}]
    )
    theirs.write_text(theirs.read_text().replace("penguins.knotwork.json", "other.knotwork.json"))
    shipped = penguins_dir / "penguins.knotwork-test.json"
    assert discover([penguins_dir / "penguins.knotwork.json"]) == [mine, shipped]
    assert discover([other]) == [theirs]
    assert discover([tmp_path]) == [mine, shipped, theirs]
    assert discover([mine, mine]) == [mine]
    assert main(["test", str(tmp_path / "missing")]) == 2
    (tmp_path / "empty").mkdir()
    assert main(["test", str(tmp_path / "empty")]) == 2
    assert "no test files (*.knotwork-test.json)" in capsys.readouterr().err


def test_the_readme_example_is_a_valid_passing_test_file(penguins_dir, capsys):
    readme = (TEMPLATES.parent / "README.md").read_text()
    section = readme[readme.index("## Workflow tests") :]
    example = section[section.index("```json") + len("```json") : section.index("```\n\n")]
    path = penguins_dir / "readme.knotwork-test.json"
    path.write_text(example)
    assert main(["test", str(path)]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out


def test_junit_xml_reports_a_case_that_could_not_run_as_an_error(tmp_path):
    from studio.testing import CaseResult, SuiteResult, write_junit

    result = SuiteResult(
        tmp_path / "w.knotwork-test.json",
        tmp_path / "w.knotwork.json",
        [CaseResult("stopped", error="cancelled", seconds=0.5), CaseResult("fine", seconds=1)],
    )
    write_junit(tmp_path / "j.xml", [result])
    root = ET.parse(tmp_path / "j.xml").getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("2", "0", "1")
    (suite,) = root.findall("testsuite")
    stopped, fine = suite.findall("testcase")
    assert stopped.find("error").get("message") == "cancelled"
    assert stopped.find("failure") is None and len(fine) == 0
    assert fine.get("time") == "1.000" and fine.get("classname") == "w"


def test_every_bad_case_of_a_file_is_named_at_once(penguins_dir, capsys):
    path = _write(
        penguins_dir,
        "two",
        [
            {"name": "one", "expect": [{"check": "fails", "node": "Rols"}]},
            {"name": "fine", "expect": [{"check": "fails", "node": "Roles"}]},
            {"name": "two", "expect": [{"check": "rows", "node": "Split", "port": 7, "min": 1}]},
        ],
    )
    assert main(["test", str(path)]) == 2
    err = capsys.readouterr().err
    assert "case \"one\": expect[0] (fails): node: no node with id or label 'Rols'" in err
    assert 'case "two": expect[0] (rows): port: node "Split" has no output port 7' in err
    assert '"fine"' not in err


def test_k_runs_only_the_cases_whose_name_contains_the_text(penguins_dir, capsys):
    assert main(["test", str(penguins_dir), "-k", "SPLIT keeps"]) == 0
    out = capsys.readouterr().out
    assert "  PASS  split keeps 60/20/20 of the 344 penguins" in out
    assert "1 passed, 0 failed" in out
    assert main(["test", str(penguins_dir), "-k", "no such case"]) == 2
    assert "no case name contains 'no such case'" in capsys.readouterr().err


def test_update_golden_writes_the_golden_files_that_then_pass(penguins_dir, capsys):
    check = {"check": "golden", "node": "Split", "port": "test", "file": "new/split.csv"}
    path = _write(
        penguins_dir,
        "fresh",
        [
            {"name": "all columns", "expect": [check]},
            {
                "name": "two columns",
                "expect": [{**check, "file": "new/two.csv", "columns": ["species", "sex"]}],
            },
        ],
    )
    assert main(["test", str(path)]) == 2  # the golden files do not exist yet
    assert "file: no golden file" in capsys.readouterr().err
    assert main(["test", str(path), "--update-golden"]) == 0
    out = capsys.readouterr().out
    assert "wrote new/split.csv (69 rows, 7 columns)" in out
    assert "wrote new/two.csv (69 rows, 2 columns)" in out
    assert list(pd.read_csv(penguins_dir / "new" / "two.csv").columns) == ["species", "sex"]
    assert main(["test", str(path)]) == 0
    assert "2 passed, 0 failed" in capsys.readouterr().out
