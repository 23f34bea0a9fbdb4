"""The model a server is serving right now, swappable atomically while requests run.

A request reads `holder.current` once and uses that snapshot to the end, so a swap
(a registry alias moving) never mixes two bundles inside one request.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import Any

import numpy as np
import pandas as pd

from studio.core.ports import TableSpec
from studio.core.scalars import python_scalar
from studio.deploy.plan import ParsedRows

from .inputs import InputSchema

log = logging.getLogger("knotwork.serve")

# Open Inference Protocol datatypes of our column kinds.
OIP_DATATYPES = {"number": "FP64", "integer": "INT64", "boolean": "BOOL"}


class ServedModel:
    """A loaded bundle ready for serving: input parser, output column order, metadata, and
    the bundle's scoring plan (the plans in `exclude` turned off, e.g. `--no-onnx`)."""

    def __init__(self, bundle: Any, exclude: tuple[str, ...] = ()):
        self.bundle = bundle
        self.name = str(bundle.name)
        self.version = str(bundle.version)
        self.manifest: dict[str, Any] = dict(bundle.manifest)
        self.input_spec: TableSpec = bundle.served_schema
        self.output_spec: TableSpec | None = bundle.output_schema
        self.inputs = InputSchema(self.input_spec, bundle.optional_columns)
        self.exclude = tuple(exclude)
        self.scoring: dict[str, Any] = bundle.scoring(self.exclude)
        self.plan: str = self.scoring["plan"]
        self.fast = bundle.plans.get("onnx") if "onnx" not in self.exclude else None

    def predict(self, rows: ParsedRows) -> dict[str, list[Any]]:
        """Score parsed rows; return the Deployment Output table as JSON-ready columns."""
        if rows.n_rows == 0:
            names = self.output_spec.names if self.output_spec is not None else []
            return {n: [] for n in names}
        return array_columns(self.bundle.predict_rows(rows, self.exclude))

    def summary(self) -> dict[str, Any]:
        """The bundle's summary (manifest minus bulky parts) plus how it is being scored."""
        if hasattr(self.bundle, "summary"):
            out = dict(self.bundle.summary())
        else:
            keep = ("created_at", "created_by", "knotwork_version", "source", "parity", "metrics")
            out = {k: self.manifest[k] for k in keep if k in self.manifest}
        out.update(name=self.name, version=self.version, input_schema=self.input_spec.to_json())
        if self.output_spec is not None:
            out["output_schema"] = self.output_spec.to_json()
        out["scoring"] = self.scoring
        return out


def array_columns(cols: dict[str, Any]) -> dict[str, list[Any]]:
    """A plan's output columns (numpy arrays or lists) as plain Python values, like frame_columns."""
    out: dict[str, list[Any]] = {}
    for name, values in cols.items():
        if isinstance(values, list):
            out[name] = values
            continue
        arr = np.asarray(values)
        kind = arr.dtype.kind
        if kind == "f":
            vals = arr.tolist()
            if not np.isfinite(arr).all():
                vals = [v if math.isfinite(v) else None for v in vals]
        elif kind == "M":
            vals = [None if v is pd.NaT else v.isoformat() for v in pd.DatetimeIndex(arr)]
        elif kind == "O":
            vals = [None if _missing(v) else _plain(v) for v in arr.tolist()]
        else:
            vals = arr.tolist()
        out[str(name)] = vals
    return out


def frame_columns(df: pd.DataFrame) -> dict[str, list[Any]]:
    """Columns of plain Python values; NaN/inf become null, datetimes ISO strings."""
    cols: dict[str, list[Any]] = {}
    for name in df.columns:
        s = df[name]
        kind = s.dtype.kind
        if kind == "f":
            arr = s.to_numpy()
            vals = arr.tolist()
            if not np.isfinite(arr).all():
                vals = [v if math.isfinite(v) else None for v in vals]
        elif kind == "M":
            vals = [None if v is pd.NaT else v.isoformat() for v in s]
        else:
            vals = s.tolist()
            if s.hasnans:
                vals = [None if _missing(v) else v for v in vals]
            vals = [_plain(v) for v in vals] if kind == "O" else vals
        cols[str(name)] = vals
    return cols


def _missing(v: Any) -> bool:
    return v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and math.isnan(v))


def _plain(v: Any) -> Any:
    v = python_scalar(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, (pd.Timestamp,)):
        return v.isoformat()
    return v


def records(cols: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(cols)
    return [dict(zip(names, row, strict=False)) for row in zip(*cols.values(), strict=False)]


class ModelHolder:
    """Holds the ServedModel; `swap` compiles the new bundle first, then replaces in one step."""

    def __init__(self, bundle: Any | None = None, *, exclude: tuple[str, ...] = ()):
        self._lock = threading.Lock()
        self._exclude = tuple(exclude)  # plans this server never uses (--no-onnx, --no-compiled)
        self._current: ServedModel | None = (
            ServedModel(bundle, self._exclude) if bundle is not None else None
        )
        self.generation = 0

    @property
    def current(self) -> ServedModel | None:
        return self._current

    def swap(self, new_bundle: Any) -> Any | None:
        """Serve `new_bundle` from now on; return the bundle it replaced (None if none)."""
        served = ServedModel(new_bundle, self._exclude)  # may raise: the old bundle keeps serving
        with self._lock:
            old, self._current = self._current, served
            self.generation += 1
        return old.bundle if old is not None else None
