"""The test file format (`*.knotwork-test.json`): a workflow, parameter values and cases,
each a list of expectations on node outputs. The pydantic models are the validator and
the documentation; a mistake is reported with the file, the case and the field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from studio.core.errors import SuiteFileError

SUFFIX = ".knotwork-test.json"

Value = str | int | float | bool  # a parameter value, as `knotwork run --set` would give it
NodeRef = Annotated[str, Field(min_length=1, description="a node's label or id")]
PortRef = Annotated[str | int | None, Field(description="an output port's name or index")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricCheck(_Strict):
    """A number in a node's metrics (a Scorer's accuracy or rmse, a search's best_score)
    lies within bounds; a Model output's training metrics count too."""

    check: Literal["metric"]
    node: NodeRef
    port: PortRef = None  # default: the node's first metrics output (or its model)
    metric: str = Field(min_length=1)
    at_least: float | None = None
    at_most: float | None = None

    @model_validator(mode="after")
    def _bounded(self) -> MetricCheck:
        if self.at_least is None and self.at_most is None:
            raise ValueError("give at_least, at_most or both")
        if self.at_least is not None and self.at_most is not None and self.at_least > self.at_most:
            raise ValueError(f"at_least ({self.at_least}) is above at_most ({self.at_most})")
        return self


class VerdictCheck(_Strict):
    """A Validation Report's status (pass, warn, fail) is one of those allowed."""

    check: Literal["verdict"]
    node: NodeRef
    port: PortRef = None
    one_of: list[Literal["pass", "warn", "fail"]] = Field(min_length=1)


class RowsCheck(_Strict):
    """A table output has exactly `equals` rows, or between `min` and `max`."""

    check: Literal["rows"]
    node: NodeRef
    port: PortRef = 0
    equals: int | None = Field(default=None, ge=0)
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _bounded(self) -> RowsCheck:
        if self.equals is None and self.min is None and self.max is None:
            raise ValueError("give equals, or min and/or max")
        if self.equals is not None and (self.min is not None or self.max is not None):
            raise ValueError("give equals or min/max, not both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is above max ({self.max})")
        return self


class ColumnsCheck(_Strict):
    """A table output has the columns in `include` and none of those in `exclude`."""

    check: Literal["columns"]
    node: NodeRef
    port: PortRef = 0
    include: list[str] = Field(default_factory=list)
    exclude: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some(self) -> ColumnsCheck:
        if not self.include and not self.exclude:
            raise ValueError("give include, exclude or both")
        return self


class GoldenCheck(_Strict):
    """A table output equals a golden CSV file (path relative to the test file), row by
    row; numbers may differ by abs_tol + rel_tol * |golden|, text must be equal."""

    check: Literal["golden"]
    node: NodeRef
    port: PortRef = 0
    file: str = Field(min_length=1)
    columns: list[str] | None = None  # compare only these (default: all, and the same set)
    abs_tol: float = Field(default=1e-9, ge=0)
    rel_tol: float = Field(default=0.0, ge=0)


class FailsCheck(_Strict):
    """A node fails, and its error message contains `message`."""

    check: Literal["fails"]
    node: NodeRef
    message: str = ""


Expectation = Annotated[
    MetricCheck | VerdictCheck | RowsCheck | ColumnsCheck | GoldenCheck | FailsCheck,
    Field(discriminator="check"),
]


class Case(_Strict):
    """One test case: how to run the workflow and what its outputs must be."""

    name: str = Field(min_length=1)
    description: str = ""
    parameters: dict[str, Value] = Field(default_factory=dict)  # over the file's ones
    settings: dict[str, dict[str, object]] = Field(default_factory=dict)  # node -> settings
    expect: list[Expectation] = Field(min_length=1)


class Suite(_Strict):
    """A test file: its workflow (relative to the file), parameter values and cases."""

    workflow: str = Field(min_length=1)
    description: str = ""
    parameters: dict[str, Value] = Field(default_factory=dict)
    cases: list[Case] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> Suite:
        seen: set[str] = set()
        for case in self.cases:
            if case.name in seen:
                raise ValueError(f"two cases are named {case.name!r}: give each its own name")
            seen.add(case.name)
        return self


def _where(data: object, loc: tuple) -> str:
    """`case "name": expect[1] (metric): at_least` from a pydantic error location."""
    parts: list[str] = []
    rest = list(loc)
    if len(rest) >= 2 and rest[0] == "cases" and isinstance(rest[1], int):
        index = rest[1]
        name = None
        if isinstance(data, dict) and isinstance(data.get("cases"), list):
            cases = data["cases"]
            if index < len(cases) and isinstance(cases[index], dict):
                name = cases[index].get("name")
        parts.append(f'case "{name}"' if isinstance(name, str) else f"cases[{index}]")
        rest = rest[2:]
    field = ""
    for item in rest:
        if isinstance(item, int):
            field += f"[{item}]"
        elif field.endswith("]") and item in _CHECKS:
            parts.append(f"{field} ({item})")  # the check kind the entry was read as
            field = ""
        else:
            field += f".{item}" if field else str(item)
    if field:
        parts.append(field)
    return ": ".join(parts) or "the file"


_CHECKS = {"metric", "verdict", "rows", "columns", "golden", "fails"}


def parse_suite(text: str | bytes, source: str) -> Suite:
    """A Suite from a test file's text; any mistake raises SuiteFileError naming it."""
    try:
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise SuiteFileError(source, f"not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SuiteFileError(source, f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    try:
        return Suite.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors(include_url=False):
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown field (misspelt?)"
            lines.append(f"{_where(data, tuple(err['loc']))}: {msg}")
        raise SuiteFileError(source, "; ".join(lines)) from None


def load_suite(path: str | Path) -> Suite:
    path = Path(path)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise SuiteFileError(str(path), f"cannot read it: {exc.strerror or exc}") from None
    return parse_suite(text, str(path))
