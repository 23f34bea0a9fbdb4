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

from studio.core.ports import ColumnSpec, TableSpec
from studio.core.scalars import python_scalar

from .fastpath import OnnxScorer
from .inputs import InputSchema, ParsedRows

log = logging.getLogger("knotwork.serve")

# Open Inference Protocol datatypes of our column kinds.
OIP_DATATYPES = {"number": "FP64", "integer": "INT64", "boolean": "BOOL"}


class ServedModel:
    """A loaded bundle compiled for serving: input parser, output column order, metadata."""

    def __init__(self, bundle: Any, fast_path: bool = True):
        self.bundle = bundle
        self.name = str(bundle.name)
        self.version = str(bundle.version)
        self.manifest: dict[str, Any] = dict(bundle.manifest)
        self.input_spec: TableSpec = with_reference_categories(
            bundle.input_schema, getattr(bundle, "reference", None)
        )
        self.output_spec: TableSpec | None = bundle.output_schema
        self.inputs = InputSchema(self.input_spec)
        self.fast: OnnxScorer | None = None
        try:
            self.fast = OnnxScorer.build(bundle, self.inputs) if fast_path else None
        except (
            Exception
        ) as exc:  # the graph path always works; never refuse a bundle over its ONNX copy
            log.warning("serving %s without ONNX: %s: %s", self.name, type(exc).__name__, exc)
            self.fast = None

    def predict(self, rows: ParsedRows) -> dict[str, list[Any]]:
        """Score parsed rows; return the Deployment Output table as JSON-ready columns."""
        if rows.n_rows == 0:
            names = self.output_spec.names if self.output_spec is not None else []
            return {n: [] for n in names}
        if self.fast is not None:
            cols = self.fast.predict(rows)
            if cols is not None:
                return cols
        out = self.bundle.predict(rows.frame())
        return frame_columns(getattr(out, "df", out))

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
        out["scoring"] = "onnxruntime" if self.fast is not None else "bundle graph"
        return out


def with_reference_categories(spec: TableSpec, reference: dict[str, Any] | None) -> TableSpec:
    """Text columns without declared categories get the values the reference profile saw,
    when that list is complete, so unseen values can be caught (or warned about)."""
    profiles = (reference or {}).get("columns", {})
    cols = []
    for c in spec.columns:
        ref = profiles.get(c.name) or {}
        freq = ref.get("frequencies")
        if c.categories is None and c.dtype == "string" and freq and ref.get("other", 1) == 0:
            c = ColumnSpec(c.name, c.dtype, tuple(sorted(freq)))
        cols.append(c)
    return TableSpec(tuple(cols), spec.roles)


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

    def __init__(self, bundle: Any | None = None, *, fast_path: bool = True):
        self._lock = threading.Lock()
        self._fast_path = fast_path  # False: always run the bundle's own graph (no ONNX)
        self._current: ServedModel | None = (
            ServedModel(bundle, fast_path) if bundle is not None else None
        )
        self.generation = 0

    @property
    def current(self) -> ServedModel | None:
        return self._current

    def swap(self, new_bundle: Any) -> Any | None:
        """Serve `new_bundle` from now on; return the bundle it replaced (None if none)."""
        served = ServedModel(new_bundle, self._fast_path)  # may raise: the old bundle keeps serving
        with self._lock:
            old, self._current = self._current, served
            self.generation += 1
        return old.bundle if old is not None else None
