"""What every Monitoring node shares: settings composed from `studio.monitor`'s own models
(flattened, so the studio's dialog shows plain fields with their bounds and descriptions),
and the two methods deploy calls to carry the monitor into a bundle.

A monitoring node runs in the training run on held-out rows, so the analyst sees the
reference numbers before deploying; `monitor_spec` and `reference` then tell deploy what
the server watches and against which rows.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd
from pydantic import BaseModel, ValidationError, create_model, field_validator
from pydantic.fields import FieldInfo

from nodes.scoring.predictor import probability_column
from studio.core import ConfigureError, NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.node import PathField
from studio.core.ports import ColumnSpec, Table, TableSpec
from studio.monitor import WindowSettings

PROBABILITY_PREFIX = probability_column("")
WINDOW_PREFIX = "window_"


def _window_size(cls: type, value: Any) -> str:
    """WindowSettings' own check of the flat `window_size`, kept as the text the dialog
    edits ("1000" rows or a duration such as "1h")."""
    try:
        return str(WindowSettings(size=value).size)
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None


def composed_settings(
    name: str,
    module: str,
    own: dict[str, tuple[Any, Any]],
    parts: dict[str, type[BaseModel]],
    skip: tuple[str, ...] = (),
) -> type[NodeSettings]:
    """A flat node settings model: `own` fields, then every field of each part model under
    its prefix (type, default, bounds and description copied, never re-declared), then the
    retraining workflow every monitor may name."""
    validators: dict[str, Any] = {}
    overrides: dict[str, Any] = {}
    if parts.get(WINDOW_PREFIX) is WindowSettings:  # one text box: a row count or a duration
        size = WindowSettings.model_fields["size"]
        overrides[WINDOW_PREFIX + "size"] = (
            str,
            FieldInfo.merge_field_infos(size, default=str(size.default)),
        )
        validators["window_size_check"] = field_validator(WINDOW_PREFIX + "size", mode="before")(
            classmethod(_window_size)
        )
    fields: dict[str, Any] = dict(own)
    for prefix, model in parts.items():
        for field, info in model.model_fields.items():
            key = prefix + field
            if key not in skip:
                fields[key] = overrides.get(key) or (
                    info.annotation,
                    FieldInfo.merge_field_infos(info),
                )
    fields["retrain_workflow"] = RETRAIN_FIELD
    return create_model(
        name,
        __base__=NodeSettings,
        __module__=module,
        __validators__=validators,
        **fields,
    )


RETRAIN_FIELD = (
    str,
    PathField(
        description="Training workflow to rerun when this monitor alerts: `knotwork monitor "
        "watch` retrains it into a challenger (empty: the workflow the bundle was built from)",
        filter="Knotwork workflows (*.knotwork.json)",
    ),
)


def retrain_of(settings: Any) -> str | None:
    """The retraining workflow a monitor's settings name, as the bundle carries it."""
    return getattr(settings, "retrain_workflow", "") or None


def part(model: type[BaseModel], settings: BaseModel, prefix: str = "", **extra: Any) -> Any:
    """The part model rebuilt from the flat settings; its own checks name the flat setting."""
    values = {
        f: getattr(settings, prefix + f)
        for f in model.model_fields
        if hasattr(settings, prefix + f)
    }
    try:
        return model(**{**values, **extra})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = prefix + ".".join(str(p) for p in err["loc"]) if err["loc"] else "settings"
        raise ConfigureError(err["msg"].removeprefix("Value error, "), where=loc) from None


def window(settings: BaseModel, **extra: Any) -> WindowSettings:
    return part(WindowSettings, settings, WINDOW_PREFIX, **extra)


def probability_columns(spec: TableSpec, chosen: list[str]) -> dict[str, str]:
    """Class → probability column: the chosen columns, or every `probability_<class>` one."""
    if chosen:
        spec.require(chosen, setting="score_columns", numeric=True)
        names = chosen
    else:
        names = [n for n in spec.names if n.startswith(PROBABILITY_PREFIX)]
    return {n.removeprefix(PROBABILITY_PREFIX): n for n in names}


def table_spec(columns: dict[str, str]) -> TableSpec:
    """The spec of a report table from column → dtype."""
    return TableSpec(tuple(ColumnSpec(name, dtype) for name, dtype in columns.items()))


def report_table(rows: list[dict[str, Any]], columns: dict[str, str]) -> Table:
    """A report with exactly the promised columns, in order (numbers as floats, None → NaN)."""
    df = pd.DataFrame(rows, columns=list(columns))
    for name, dtype in columns.items():
        if dtype == "number":
            df[name] = pd.to_numeric(df[name], errors="coerce").astype(float)
    return Table(df)


def specs_of(inputs: list[Any]) -> list[TableSpec | None]:
    return [v.spec() if v is not None else None for v in inputs]


class MonitoringNode(NodeType):
    """Base of the Monitoring nodes; deploy recognises them by `monitor_spec`."""

    category = "Monitoring"
    outputs = (Port("report", PortType.TABLE),)
    report_columns: ClassVar[dict[str, str]] = {}

    def monitor_spec(self, settings: Any, specs: list[Any], label: str) -> Any:
        """The MonitorSpec deploy writes into the bundle (named after the node's label)."""
        raise NotImplementedError  # abstract

    def reference(self, settings: Any, inputs: list[Any]) -> pd.DataFrame:
        """The rows of the training run the monitor compares with: only the columns it needs."""
        raise NotImplementedError  # abstract

    def configure(self, settings, specs, ctx):
        self.monitor_spec(settings, specs, ctx.label)
        return [table_spec(self.report_columns)]

    def execute(self, settings, inputs, ctx):
        spec = self.monitor_spec(settings, specs_of(inputs), ctx.label)
        reference = self.reference(settings, inputs)
        if reference.empty:
            raise NodeExecutionError(
                "no held-out rows reached this monitor: wire in the rows of a held-out split"
            )
        return [report_table(self.report(spec, reference, settings, inputs), self.report_columns)]

    def report(
        self, spec: Any, reference: pd.DataFrame, settings: Any, inputs: list[Any]
    ) -> list[dict[str, Any]]:
        """The report rows: the reference numbers (and, for drift, current against them)."""
        raise NotImplementedError  # abstract
