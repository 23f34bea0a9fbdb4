"""The bundle's input and output schemas at work: shaping request rows to the input
schema (the types training saw), and describing both schemas as OpenAPI."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from studio.core.ports import ColumnSpec, TableSpec

from .errors import InputSchemaError

_STRINGY = ("string", "category")


def _first_bad(mask: np.ndarray) -> int | None:
    idx = np.flatnonzero(mask)
    return int(idx[0]) if len(idx) else None


def _numeric(s: pd.Series, col: ColumnSpec) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        out = s
    else:
        out = pd.to_numeric(s, errors="coerce")
        row = _first_bad((out.isna() & s.notna()).to_numpy())
        if row is not None:
            raise InputSchemaError(
                f"column {col.name!r}, row {row}: {s.iloc[row]!r} is not a number",
                column=col.name,
                row=row,
            )
    if col.dtype == "integer":
        vals = out.to_numpy(dtype=float, na_value=np.nan)
        if not np.isnan(vals).any():
            row = _first_bad(vals != np.round(vals))
            if row is not None:
                raise InputSchemaError(
                    f"column {col.name!r}, row {row}: {s.iloc[row]!r} is not a whole number",
                    column=col.name,
                    row=row,
                )
            return out.astype("int64") if out.dtype != "int64" else out
    return out.astype("float64") if out.dtype != "float64" else out


def _boolean(s: pd.Series, col: ColumnSpec) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s
    out = s.map(_to_bool)
    row = _first_bad(out.isna().to_numpy())
    if row is not None:
        raise InputSchemaError(
            f"column {col.name!r}, row {row}: {s.iloc[row]!r} is not true or false",
            column=col.name,
            row=row,
        )
    return out.astype(bool)


def _to_bool(v: Any) -> bool | None:
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, str):
        return {"true": True, "false": False, "1": True, "0": False}.get(v.strip().lower())
    if isinstance(v, (int, float, np.integer, np.floating)) and v in (0, 1):
        return bool(v)
    return None


IGNORED = "the model's target, not an input: ignored"


def extra_columns(
    columns: list[str], inputs: list[str], known: list[str] | tuple[str, ...] | set[str]
) -> tuple[list[str], list[str]]:
    """The one rule for columns beyond a bundle's inputs, kept alike by `/predict`,
    `knotwork score` and `Bundle.predict`: (ignored, unknown). A known extra (the model's
    target, which rows taken from the training data carry) is ignored with a note; any
    other column is refused by name, so a misspelt input never goes unnoticed."""
    wanted, extras = set(inputs), set(known)
    ignored = [c for c in columns if c not in wanted and c in extras]
    unknown = [c for c in columns if c not in wanted and c not in extras]
    return ignored, unknown


def unknown_columns_error(unknown: list[str], inputs: list[str]) -> InputSchemaError:
    return InputSchemaError(
        f"unknown input column(s) {', '.join(map(repr, unknown))}: the bundle takes "
        f"{', '.join(inputs)}",
        column=unknown[0],
    )


def conform(
    df: pd.DataFrame, spec: TableSpec, optional: frozenset[str] | set[str] = frozenset()
) -> pd.DataFrame:
    """Request rows in the input schema's column order and types; extra columns are dropped,
    missing `optional` columns (a model's target) are filled with missing values.

    Raises InputSchemaError naming the missing column, or the column and row of a bad value.
    """
    names = spec.names
    if already_conformed(df, spec):
        return df
    missing = [c for c in names if c not in df.columns and c not in optional]
    if missing:
        raise InputSchemaError(
            f"missing input column(s) {', '.join(map(repr, missing))} (expected: {', '.join(names)})",
            column=missing[0],
        )
    out = {}
    for col in spec.columns:
        if col.name not in df.columns:
            dtype = "float64" if col.is_numeric else "str" if col.dtype == "string" else "object"
            out[col.name] = pd.Series(
                np.nan if col.is_numeric else None, index=df.index, dtype=dtype
            )
            continue
        try:
            out[col.name] = _column(df[col.name], col)
        except (TypeError, ValueError, OverflowError) as exc:
            raise InputSchemaError(
                f"column {col.name!r}: values of the wrong kind: {exc}", column=col.name
            ) from None
    return pd.DataFrame(out, index=df.index)


_EXACT = {"number": np.dtype("float64"), "integer": np.dtype("int64"), "boolean": np.dtype(bool)}
_OBJECT = np.dtype(object)
_SHAPES: dict[int, tuple[TableSpec, pd.Index, tuple[Any, ...]]] = {}


def _shape(spec: TableSpec) -> tuple[pd.Index, tuple[Any, ...]]:
    """The spec's column names as an Index and each column's exact dtype (None: checked by
    kind), made once per spec: a request is checked against them, not against a rebuilt list."""
    hit = _SHAPES.get(id(spec))
    if hit is None or hit[0] is not spec:  # the spec is kept alive, so its id is not reused
        if len(_SHAPES) > 256:
            _SHAPES.clear()
        exact = tuple(_EXACT.get(c.dtype) for c in spec.columns)
        hit = (spec, pd.Index(spec.names), exact)
        _SHAPES[id(spec)] = hit
    return hit[1], hit[2]


def spec_columns(spec: TableSpec) -> pd.Index:
    """The spec's column names as pandas' default Index for them, made once per spec."""
    return _shape(spec)[0]


def same_columns(columns: pd.Index, names: pd.Index) -> bool:
    """`columns` are `names`, in order (pandas' default text Index for `names`)."""
    if len(columns) != len(names):
        return False
    if columns.dtype == names.dtype:
        return bool(columns.equals(names))
    return columns.tolist() == names.tolist()  # comparing across Index dtypes converts one


def frame_dtypes(df: pd.DataFrame) -> list[Any]:
    """The frame's column dtypes in order; from its block manager when pandas has one (a
    Series of dtypes, `df.dtypes`, costs more than checking a one-row request)."""
    get = getattr(getattr(df, "_mgr", None), "get_dtypes", None)
    if get is not None:
        try:
            dtypes = list(get())
        except Exception:  # another pandas' internals: the public way
            dtypes = None
        if dtypes is not None and len(dtypes) == df.shape[1]:
            return dtypes
    return df.dtypes.tolist()


def already_conformed(df: pd.DataFrame, spec: TableSpec) -> bool:
    """The frame is what conform would return (a served request parsed by the schema): the
    schema's columns in order, each in its training dtype, text columns all strings."""
    names, exact = _shape(spec)
    if not same_columns(df.columns, names):
        return False
    if None not in exact:  # numbers, integers, booleans only: one comparison of dtypes
        return tuple(frame_dtypes(df)) == exact
    for col, want, dtype, j in zip(
        spec.columns, exact, frame_dtypes(df), range(len(names)), strict=True
    ):
        if want is not None:
            if dtype != want:
                return False
        elif col.dtype == "string" and dtype == _OBJECT:
            if not all(type(v) is str for v in df.iloc[:, j].to_numpy().tolist()):
                return False
        elif col.dtype == "string" and pd.api.types.is_string_dtype(dtype):
            continue  # a pandas text dtype: conform keeps such a column as it is
        else:
            return False  # datetimes and categories: conform checks them
    return True


def _column(s: pd.Series, col: ColumnSpec) -> pd.Series:
    """One request column in its training type; InputSchemaError names the row at fault."""
    if pd.api.types.is_object_dtype(s.dtype):
        row = next(
            (i for i, v in enumerate(s.to_numpy()) if isinstance(v, (list, dict, tuple, set))), None
        )
        if row is not None:
            raise InputSchemaError(
                f"column {col.name!r}, row {row}: a list or object is not a single value",
                column=col.name,
                row=row,
            )
    if col.dtype in ("number", "integer"):
        return _numeric(s, col)
    if col.dtype == "boolean":
        return _boolean(s, col)
    if col.dtype == "datetime":
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            return s
        try:
            with warnings.catch_warnings():
                # Values of no one guessable format are parsed one by one: pandas warns
                # that it does so, which says nothing to the sender of the rows.
                warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
                return pd.to_datetime(s)
        except (ValueError, TypeError) as exc:
            raise InputSchemaError(
                f"column {col.name!r}: not a date/time: {exc}", column=col.name
            ) from None
    if col.dtype == "category":
        cats = list(col.categories or ())
        if isinstance(s.dtype, pd.CategoricalDtype) and list(s.cat.categories) == cats:
            return s
        # Values outside the training categories become missing on purpose (the server
        # refuses or warns about them earlier); say so to pandas rather than rely on a
        # Categorical silently dropping them, which pandas 4 turns into an error.
        known = s.where(s.isin(cats) | s.isna())
        return pd.Series(pd.Categorical(known, categories=cats), index=s.index)
    if not pd.api.types.is_string_dtype(s.dtype) or pd.api.types.is_object_dtype(s.dtype):
        return s.astype("str").where(s.notna())
    return s


# ---------------------------------------------------------------- OpenAPI
def json_schema(col: ColumnSpec, nullable: bool = True) -> dict[str, Any]:
    kind = {"number": "number", "integer": "integer", "boolean": "boolean"}.get(col.dtype, "string")
    out: dict[str, Any] = {"type": [kind, "null"] if nullable else kind}
    if col.dtype == "datetime":
        out["format"] = "date-time"
    if col.dtype in _STRINGY and col.categories:
        out["enum"] = [*map(str, col.categories), *([None] if nullable else [])]
    return out


def record_schema(spec: TableSpec, required: list[str]) -> dict[str, Any]:
    props = {c.name: json_schema(c) for c in spec.columns}
    out: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        out["required"] = required
    return out


def openapi(
    name: str,
    version: str,
    input_spec: TableSpec,
    output_spec: TableSpec,
    example: list[dict],
    optional: list[str] | None = None,
) -> dict[str, Any]:
    """An OpenAPI 3.1 description of `POST /predict` for this bundle. Clients do not send
    the `optional` columns (the model's target): they are not listed (sent, they are ignored)."""
    input_spec = TableSpec(
        tuple(c for c in input_spec.columns if c.name not in (optional or [])), input_spec.roles
    )
    required = list(input_spec.names)
    columns = {
        "type": "object",
        "properties": {
            c.name: {"type": "array", "items": json_schema(c)} for c in input_spec.columns
        },
        "required": required,
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": f"{name} (Knotwork bundle)", "version": version},
        "paths": {
            "/predict": {
                "post": {
                    "summary": "Score rows",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {
                                            "type": "array",
                                            "items": {"$ref": "#/components/schemas/InputRecord"},
                                        },
                                        columns,
                                    ]
                                },
                                "example": example,
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "One output record per input row",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "predictions": {
                                                "type": "array",
                                                "items": {
                                                    "$ref": "#/components/schemas/OutputRecord"
                                                },
                                            }
                                        },
                                        "required": ["predictions"],
                                    }
                                }
                            },
                        },
                        "422": {
                            "description": "Rows that do not fit the input schema (names the column and row)"
                        },
                    },
                }
            }
        },
        "components": {
            "schemas": {
                "InputRecord": record_schema(input_spec, required),
                "OutputRecord": record_schema(output_spec, []),
            }
        },
    }


def with_training_categories(spec: TableSpec, fitted: list[Any]) -> TableSpec:
    """Give each raw text column that an encoder was fitted on the categories it learned.

    The Deployment Input sees held-out rows, so its spec cannot say what training saw; the
    frozen encoder state can, and the server then refuses (or warns about) other values.
    """
    learned: dict[str, list[Any]] = {}
    for value in fitted:
        state = getattr(value, "state", value)
        cats = state.get("categories") if isinstance(state, dict) else None
        if isinstance(cats, dict):
            for col, values in cats.items():
                if isinstance(values, list):
                    learned.setdefault(str(col), [])
                    learned[str(col)] += [v for v in values if v not in learned[str(col)]]
    columns = tuple(
        ColumnSpec(c.name, c.dtype, tuple(learned[c.name]))
        if c.dtype == "string" and c.categories is None and learned.get(c.name)
        else c
        for c in spec.columns
    )
    return TableSpec(columns, spec.roles)
