"""Typed ports, the values that travel on them, and the specs known before data.

A spec describes a value's shape (a table's columns and dtypes, a model's features)
so that `configure` can catch a wrong setting before anything runs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pandas as pd

from .errors import ConfigureError


class PortType(str, Enum):
    TABLE = "table"
    MODEL = "model"
    TRANSFORM = "transform"
    METRICS = "metrics"
    FIGURE = "figure"
    CONNECTION = "connection"


@dataclass(frozen=True)
class Port:
    name: str
    type: PortType
    optional: bool = False
    description: str = ""


COLUMN_ROLES = ("feature", "target", "id", "weight", "time")


# ---------------------------------------------------------------- specs
@dataclass(frozen=True)
class ColumnSpec:
    name: str
    dtype: str  # "number", "integer", "boolean", "string", "category", "datetime"
    categories: tuple[Any, ...] | None = None
    # Known to hold missing values (seen in the data or a file's preview), so a node that
    # cannot take them refuses at configure; False means "none seen", not a promise.
    missing: bool = False

    @property
    def is_numeric(self) -> bool:
        return self.dtype in ("number", "integer", "boolean")


@dataclass(frozen=True)
class TableSpec:
    columns: tuple[ColumnSpec, ...]
    roles: tuple[tuple[str, str], ...] = ()
    # Prefixes of columns known only once data is seen (a Predictor's probability_<class>
    # columns before the classes are known): such names pass `require`, unchecked.
    open: tuple[str, ...] = ()
    # Prediction column -> the task of the model that made it, so scoring never guesses.
    tasks: tuple[tuple[str, str], ...] = ()

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec | None:
        return next((c for c in self.columns if c.name == name), None)

    def is_open(self, name: str) -> bool:
        """Whether `name` may be a column only the data will show (see `open`)."""
        return name not in self.names and any(name.startswith(p) for p in self.open)

    def task_of(self, column: str) -> str | None:
        """The task of the model whose predictions `column` holds, when a Predictor made it."""
        return dict(self.tasks).get(column)

    def select(self, names: list[str]) -> TableSpec:
        """The spec of these columns, in this order, with their roles (open names stay open)."""
        keep = set(names)
        return TableSpec(
            tuple(self.column(n) for n in names if not self.is_open(n)),
            tuple(r for r in self.roles if r[0] in keep),
            self.open if any(self.is_open(n) for n in names) else (),
            tuple(t for t in self.tasks if t[0] in keep),
        )

    def require(
        self,
        columns: str | Iterable[str] | None,
        *,
        setting: str,
        numeric: bool = False,
        source: str = "the input table",
    ) -> None:
        """Fail configure when a setting names columns this table lacks (or, with `numeric`,
        columns without numbers), pointing at `setting`; nothing chosen passes."""
        if not columns:
            return
        wanted = [columns] if isinstance(columns, str) else list(columns)
        wanted = [c for c in wanted if not self.is_open(c)]
        names = self.names
        missing = [c for c in wanted if c not in names]
        if missing:
            raise ConfigureError(
                f"column(s) {_quoted(missing)} not in {source} "
                f"(available: {', '.join(names) or 'none'}): choose from the available columns, "
                f"or add the column upstream",
                where=setting,
            )
        if numeric:
            bad = [c for c in wanted if not self.column(c).is_numeric]
            if bad:
                kinds = ", ".join(sorted({self.column(c).dtype for c in bad}))
                raise ConfigureError(
                    f"column(s) {_quoted(bad)} hold {kinds} values, but this setting needs numbers: "
                    f"choose a numeric column, or convert it with a Type Converter",
                    where=setting,
                )

    def target(self) -> str | None:
        """The target-role column, if one is marked (as `Table.target`)."""
        return next(iter(self.columns_with_role("target")), None)

    def role_of(self, name: str) -> str:
        return dict(self.roles).get(name, "feature")

    def columns_with_role(self, role: str) -> list[str]:
        return [c.name for c in self.columns if self.role_of(c.name) == role]

    def to_json(self) -> dict:
        extra: dict[str, Any] = {"open": list(self.open)} if self.open else {}
        if self.tasks:
            extra["tasks"] = dict(self.tasks)
        return {
            **extra,
            "columns": [
                {
                    "name": c.name,
                    "dtype": c.dtype,
                    "categories": list(c.categories) if c.categories is not None else None,
                }
                for c in self.columns
            ],
            "roles": dict(self.roles),
        }

    @classmethod
    def from_json(cls, data: dict) -> TableSpec:
        cols = tuple(
            ColumnSpec(
                c["name"],
                c["dtype"],
                tuple(c["categories"]) if c.get("categories") is not None else None,
            )
            for c in data["columns"]
        )
        return cls(
            cols,
            tuple(sorted(data.get("roles", {}).items())),
            tuple(data.get("open") or ()),
            tuple(sorted((data.get("tasks") or {}).items())),
        )


def _quoted(names: list[str]) -> str:
    return ", ".join(map(repr, names))


@dataclass(frozen=True)
class ModelSpec:
    task: str  # "classification", "regression", "clustering"
    features: tuple[str, ...]
    target: str | None
    classes: tuple[Any, ...] | None = None
    learner: str = ""  # type_id of the learner node that fits it, when known


@dataclass(frozen=True)
class TransformSpec:
    kind: str
    input_columns: tuple[str, ...]
    output: TableSpec | None = None
    # Which node fitted it and with what settings, so an Apply node can configure too.
    node_type: str = ""
    settings: dict[str, Any] | None = None


@dataclass(frozen=True)
class SimpleSpec:
    """Spec of a value with no shape worth checking before data (metrics, figures)."""

    type: PortType


# ---------------------------------------------------------------- values
def dtype_name(series: pd.Series) -> str:
    """Map a pandas dtype onto the few kinds users reason about."""
    return dtype_kind(series.dtype)


def dtype_kind(dt: Any) -> str:
    """`dtype_name` of a column of dtype `dt`."""
    if pd.api.types.is_bool_dtype(dt):
        return "boolean"
    if pd.api.types.is_integer_dtype(dt):
        return "integer"
    if pd.api.types.is_numeric_dtype(dt):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dt):
        return "datetime"
    if isinstance(dt, pd.CategoricalDtype):
        return "category"
    return "string"


_TEXT_INDEX = pd.Index(["a"]).dtype  # the dtype pandas gives an Index of column names
_PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def _copy_on_write() -> bool:
    """Whether a shallow copy is safe to hand on (pandas 3 always; pandas 2 when enabled)."""
    return _PANDAS_3 or pd.get_option("mode.copy_on_write") is True


def take_columns(df: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """`df[names]`, without re-selecting every column when `names` are the frame's own
    columns in order (a shallow copy: copy-on-write keeps the two frames apart)."""
    columns = df.columns
    if (
        len(columns) == len(names)
        and columns.dtype == _TEXT_INDEX
        and columns.is_unique
        and columns.tolist() == list(names)
        and _copy_on_write()
    ):
        return df.copy(deep=False)
    return df[names]


@dataclass
class Table:
    """A pandas DataFrame plus the roles of its columns (feature by default)."""

    df: pd.DataFrame
    roles: dict[str, str] = field(default_factory=dict)
    tasks: dict[str, str] = field(default_factory=dict)  # prediction column -> model task

    def spec(self) -> TableSpec:
        df = self.df
        cols = []
        if df.columns.is_unique:
            # Whole-frame dtypes and gaps: one pass over the frame's blocks, not a Series
            # per column (20 one-row columns took a millisecond that way).
            gaps = df.isna().any(axis=0).tolist()
            for name, dt, gap in zip(df.columns.tolist(), df.dtypes.tolist(), gaps, strict=True):
                kind = dtype_kind(dt)
                cats = tuple(dt.categories) if kind == "category" else None
                cols.append(ColumnSpec(str(name), kind, cats, bool(gap)))
        else:
            for name in df.columns:
                s = df[name]
                kind = dtype_name(s)
                cats = tuple(s.cat.categories) if kind == "category" else None
                cols.append(ColumnSpec(str(name), kind, cats, bool(s.hasnans)))
        roles = tuple(sorted((k, v) for k, v in self.roles.items() if k in self.df.columns))
        tasks = tuple(sorted((k, v) for k, v in self.tasks.items() if k in self.df.columns))
        return TableSpec(tuple(cols), roles, tasks=tasks)

    def with_df(self, df: pd.DataFrame) -> Table:
        """Same roles (and prediction tasks) on a new frame; those of dropped columns vanish."""
        return Table(
            df,
            {k: v for k, v in self.roles.items() if k in df.columns},
            {k: v for k, v in self.tasks.items() if k in df.columns},
        )

    def target(self) -> str | None:
        return next(
            (k for k, v in self.roles.items() if v == "target" and k in self.df.columns), None
        )

    def __len__(self) -> int:
        return len(self.df)


@dataclass
class Model:
    """A fitted estimator and everything needed to use and judge it."""

    estimator: Any
    task: str
    features: list[str]
    target: str | None
    classes: list[Any] | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    learner: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] | None = None
    # Fingerprint of the rows it was fitted on (studio.core.fingerprint), so a Validation
    # Report checks held-out rows against what the model really saw, however it was wired.
    fit_rows: Any = field(default=None, compare=False, repr=False)

    def spec(self) -> ModelSpec:
        return ModelSpec(
            self.task,
            tuple(self.features),
            self.target,
            tuple(self.classes) if self.classes is not None else None,
            self.learner,
        )


@dataclass
class Transform:
    """Fitted preprocessing state that an Apply Transform node can reuse on other rows."""

    kind: str
    input_columns: list[str]
    state: Any
    node_type: str = ""
    settings: dict[str, Any] = field(default_factory=dict)

    def spec(self) -> TransformSpec:
        return TransformSpec(
            self.kind, tuple(self.input_columns), None, self.node_type, self.settings
        )


@dataclass
class Metrics:
    values: dict[str, Any]
    title: str = ""

    def spec(self) -> SimpleSpec:
        return SimpleSpec(PortType.METRICS)


@dataclass
class Figure:
    """A matplotlib figure rendered to PNG bytes, so it is safe to cache and ship."""

    png: bytes
    title: str = ""
    # The matplotlib figure it was drawn from, for viewers that zoom, pan and export it;
    # never saved (a bundle keeps the PNG only), so a viewer falls back to the picture.
    drawing: Any = field(default=None, repr=False, compare=False)

    def spec(self) -> SimpleSpec:
        return SimpleSpec(PortType.FIGURE)


@dataclass
class Connection:
    """A database URL whose password is a secret reference, resolved at run time."""

    url: str
    password_ref: str | None = None

    def spec(self) -> SimpleSpec:
        return SimpleSpec(PortType.CONNECTION)


VALUE_TYPES: dict[PortType, type] = {
    PortType.TABLE: Table,
    PortType.MODEL: Model,
    PortType.TRANSFORM: Transform,
    PortType.METRICS: Metrics,
    PortType.FIGURE: Figure,
    PortType.CONNECTION: Connection,
}


def spec_of(value: Any) -> Any:
    return value.spec()
