"""The node contract: metadata, typed ports, a pydantic settings model, and
`configure` + `execute` (or `fit` + `apply` for nodes that learn from data).

A node type is a plain class; the engine instantiates it without arguments, and its
methods never mutate their inputs. Whatever a node needs from its surroundings (the
workflow's folder, its catalogue, progress, cancellation) it asks of the context.
`run_node` is the one way any node is run, in training and in a deployed bundle.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import CancelledError, KnotworkError
from .parameters import reference
from .ports import Port
from .setting_messages import setting_error

if TYPE_CHECKING:
    from .catalog import Catalog

log = logging.getLogger("knotwork.node")

# A table as a deployed bundle's compiled scoring plan carries it: column name -> 1-D numpy
# array, in the table's column order (numbers float64/int64 with NaN for gaps, text object
# arrays with None or NaN for gaps, booleans bool).
Columns = dict[str, Any]
ArrayApply = Callable[[Columns], "Columns | None"]


def float_matrix(columns: Columns, names: list[str]) -> Any:
    """The named columns as one float64 matrix for an array-level apply. Columns that are
    already the consecutive columns of one float matrix come back as that matrix; others are
    copied column by column into a column-major matrix (one contiguous write each, the
    layout pandas gives a float block, so estimators see what the graph path gives them)."""
    import numpy as np

    arrays = [columns[n] for n in names]
    n, k = (len(arrays[0]) if arrays else 0), len(arrays)
    base = arrays[0].base if arrays and isinstance(arrays[0], np.ndarray) else None
    if isinstance(base, np.ndarray) and base.dtype == np.float64 and base.ndim == 2:
        whole = base if base.shape == (n, k) else base.T if base.shape == (k, n) else None
        if whole is not None and all(
            isinstance(a, np.ndarray)
            and a.base is base
            and a.__array_interface__["data"][0] == whole[:, j].__array_interface__["data"][0]
            and a.strides == whole[:, j].strides
            for j, a in enumerate(arrays)
        ):
            return whole
    out = np.empty((n, len(arrays)), dtype=np.float64, order="F")
    for j, a in enumerate(arrays):
        out[:, j] = a
    return out


class NodeSettings(BaseModel):
    """Base of every settings model: unknown keys are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


# ---- field helpers: the hints the studio uses to build dialogs --------------------
def ColumnField(
    default: Any = None, *, port: int = 0, numeric: bool = False, description: str = "", **kw: Any
) -> Any:
    """A setting naming one column of the table on input `port` (a column picker)."""
    return Field(
        default,
        description=description,
        json_schema_extra={"ui": "column", "port": port, "numeric": numeric},
        **kw,
    )


def ColumnsField(*, port: int = 0, numeric: bool = False, description: str = "", **kw: Any) -> Any:
    """A setting naming several columns of the table on input `port`."""
    return Field(
        default_factory=list,
        description=description,
        json_schema_extra={"ui": "columns", "port": port, "numeric": numeric},
        **kw,
    )


def SecretField(default: str | None = None, *, description: str = "", **kw: Any) -> Any:
    """A secret *reference* such as `env:DB_PASSWORD` or `keyring:service/user`; never the secret."""
    return Field(default, description=description, json_schema_extra={"ui": "secret"}, **kw)


def TextField(default: str = "", *, description: str = "", **kw: Any) -> Any:
    """A multi-line text setting (query, expression, inline table)."""
    return Field(default, description=description, json_schema_extra={"ui": "text"}, **kw)


def PathField(
    default: str = "",
    *,
    mode: Literal["open", "save"] = "open",
    filter: str = "All files (*)",
    description: str = "",
    **kw: Any,
) -> Any:
    """A file path (relative to the workflow's folder): a file picker that opens an existing
    file or chooses where to save one; `filter` is the picker's, e.g. "CSV (*.csv)"."""
    ui = "file" if mode == "open" else "save_file"
    return Field(
        default, description=description, json_schema_extra={"ui": ui, "filter": filter}, **kw
    )


class ExecutionContext:
    """What a node may ask of the engine while it configures or runs: the workflow's
    folder and catalogue, progress, warnings, cancellation, parameters."""

    def __init__(
        self,
        node_id: str = "",
        label: str = "",
        parameters: dict[str, Any] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        cancel: threading.Event | None = None,
        base_dir: str | None = None,
        catalog: Catalog | None = None,
        on_warning: Callable[[str], None] | None = None,
        feeds: dict[str, Any] | None = None,
    ):
        self.node_id = node_id
        self.label = label
        self.parameters = parameters or {}
        self._on_progress = on_progress
        self._cancel = cancel
        self.base_dir = base_dir
        self._catalog = catalog
        self._on_warning = on_warning
        # what a component hands its inner workflow, by port name (specs or values)
        self.feeds = feeds or {}

    @property
    def cancel_event(self) -> threading.Event | None:
        """The run's cancel flag, for work that starts runs of its own (a component)."""
        return self._cancel

    @property
    def catalog(self) -> Catalog:
        """The node types of the workflow being run (not necessarily every installed one)."""
        if self._catalog is None:
            raise KnotworkError(
                f"{self.label or 'this node'}: no node catalogue in this context "
                "(create the ExecutionContext with catalog=...)"
            )
        return self._catalog

    def progress(self, fraction: float, message: str = "") -> None:
        self.check_cancelled()
        if self._on_progress:
            self._on_progress(max(0.0, min(1.0, fraction)), message)

    def warn(self, message: str) -> None:
        """Tell the user something about this node's result that is not an error (missing
        values it produced, rows it dropped): the run shows it next to the node's label."""
        if self._on_warning:
            self._on_warning(message)
        else:  # no run listening (e.g. a bundle scoring rows): the log still gets it
            log.warning("%s: %s", self.label or self.node_id, message)

    def check_cancelled(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise CancelledError(f"{self.label}: cancelled")

    def resolve_path(self, path: str) -> str:
        """Relative paths in settings are relative to the workflow file's folder."""
        path = os.path.expanduser(path)
        if self.base_dir and not os.path.isabs(path):
            return os.path.join(self.base_dir, path)
        return path


class _DerivedStateful:
    """`NodeType.stateful`: true exactly for the types that fit and apply (StatefulNodeType)."""

    def __get__(self, obj: Any, owner: type) -> bool:
        return issubclass(owner, StatefulNodeType)


class NodeType:
    """Base class of every node type. Subclasses set the class attributes and override
    `configure` and `execute` (or, for `StatefulNodeType`, `fit` and `apply`)."""

    type_id: ClassVar[str] = ""
    version: ClassVar[int] = 1
    name: ClassVar[str] = ""
    category: ClassVar[str] = "Other"
    description: ClassVar[str] = ""
    keywords: ClassVar[tuple[str, ...]] = ()
    inputs: ClassVar[tuple[Port, ...]] = ()
    outputs: ClassVar[tuple[Port, ...]] = ()
    # May run for minutes (fitting, searching): a run that can stops it in a worker process.
    long_running: ClassVar[bool] = False
    stateful = _DerivedStateful()

    class Settings(NodeSettings):
        pass

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "stateful" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__}: 'stateful' follows from the class; "
                "subclass StatefulNodeType and write fit and apply instead of setting it"
            )

    # ---- lifecycle -----------------------------------------------------------------
    def configure(self, settings: Any, specs: list[Any], ctx: ExecutionContext) -> list[Any]:
        """Return the output specs from the input specs, without data.

        Return None for an output whose spec cannot be known before data. The engine
        calls this only when every required input's spec is known.
        """
        return [None] * len(self.outputs)

    def execute(self, settings: Any, inputs: list[Any], ctx: ExecutionContext) -> list[Any]:
        raise NotImplementedError  # abstract

    def compile_arrays(
        self, settings: Any, state: Any, inputs: list[Any], ctx: ExecutionContext
    ) -> ArrayApply | None:
        """Opt into a bundle's compiled scoring plan (no DataFrames on the scoring path).

        Return a function from the input table's `Columns` to the output table's, doing
        exactly what `execute` (or `apply` with `state`) would; it returns None for a batch
        it cannot answer exactly (a gap, an unseen value, an error to report), which then
        runs through the graph instead. `inputs` holds the node's frozen static inputs (a
        Model, a Transform) and None at the table port the rows flow through. The default,
        None, keeps the node on the graph path. Bundles prove the plan equal to the graph
        on their reference rows before using it.
        """
        return None

    @classmethod
    def migrate(cls, settings: dict[str, Any], from_version: int) -> dict[str, Any]:
        """Upgrade settings saved by an older version of this node type."""
        return settings

    @classmethod
    def validate_settings(cls, raw: dict[str, Any]) -> Any:
        """Validate raw settings into the settings model, naming the field at fault."""
        try:
            return cls.Settings.model_validate(raw)
        except ValidationError as exc:
            raise setting_error(cls.Settings, exc.errors()[0]) from None

    @classmethod
    def check_setting(
        cls, name: str, value: Any, settings: dict[str, Any], parameters: dict[str, Any]
    ) -> None:
        """Refuse at once a value setting `name` can never take (its type and bounds), beside
        the node's other raw `settings`; a `$parameter` is checked with its value. Rules that
        tie several settings together are left to configure, so settings can change in turn."""
        raw = {}
        for key, current in {**settings, name: value}.items():
            ref = reference(current)
            if ref is None:
                raw[key] = current
            elif ref in parameters:
                raw[key] = parameters[ref]
            elif key == name:
                return  # an unknown parameter: configure names it
        try:
            cls.Settings.model_validate(raw)
        except ValidationError as exc:
            own = [e for e in exc.errors() if e.get("loc") and e["loc"][0] == name]
            if own:
                raise setting_error(cls.Settings, own[0]) from None

    @classmethod
    def describe(cls) -> dict[str, Any]:
        """The catalogue entry: metadata, ports and the settings JSON schema."""
        return {
            "type_id": cls.type_id,
            "version": cls.version,
            "name": cls.name,
            "category": cls.category,
            "description": cls.description,
            "keywords": list(cls.keywords),
            "stateful": cls.stateful,
            "inputs": [
                {
                    "name": p.name,
                    "type": p.type.value,
                    "optional": p.optional,
                    "description": p.description,
                }
                for p in cls.inputs
            ],
            "outputs": [
                {"name": p.name, "type": p.type.value, "description": p.description}
                for p in cls.outputs
            ],
            "settings": cls.Settings.model_json_schema(),
        }


class StatefulNodeType(NodeType):
    """A node that learns from data: `fit` returns state, `apply` uses it.

    Training runs fit then apply; a deployed graph runs apply with the frozen state.
    """

    def fit(self, settings: Any, inputs: list[Any], ctx: ExecutionContext) -> Any:
        raise NotImplementedError  # abstract

    def apply(
        self, settings: Any, state: Any, inputs: list[Any], ctx: ExecutionContext
    ) -> list[Any]:
        raise NotImplementedError  # abstract

    def execute(self, settings: Any, inputs: list[Any], ctx: ExecutionContext) -> list[Any]:
        return self.apply(settings, self.fit(settings, inputs, ctx), inputs, ctx)


_FIT = object()  # run_node's default: no frozen state given, so fit first


def run_node(
    node_type: type[NodeType],
    settings: Any,
    inputs: list[Any],
    ctx: ExecutionContext,
    state: Any = _FIT,
) -> tuple[list[Any], Any]:
    """Run one node the one way: `(outputs, fitted state)`.

    A stateful node fits then applies, or only applies when its frozen `state` is given
    (a deployed bundle); any other node executes and its fitted state is None.
    """
    if not issubclass(node_type, StatefulNodeType):
        return list(node_type().execute(settings, inputs, ctx)), None
    node = node_type()
    if state is _FIT:
        state = node.fit(settings, inputs, ctx)
        ctx.check_cancelled()
    return list(node.apply(settings, state, inputs, ctx)), state
