"""The ONNX plan: score with the bundle's `model.onnx` (onnxruntime, numpy in and out,
no pandas) when the bundle's scope maps onto scikit-learn objects.

Two export shapes: one "input" matrix of numeric features (a plain model), or one input
per raw column, text as strings (preprocessing before the model; see deploy/onnx_mapping).
Used only when it reproduces the graph on the bundle's own example and reference rows
(see plan.disagreement); any batch it cannot take as-is (a missing value ONNX does not
fill, a category unseen in training) returns None and goes through the next plan.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .plan import ParsedRows, Refused, all_numbers

PROBABILITY = "probability_"
_SAME_ORDER = object()  # the features are the input columns, in order: use the matrix as it is


class OnnxPlan:
    name = "onnx"

    def __init__(
        self,
        session: Any,
        features: list[str],
        plan: list[tuple[str, str, Any]],
        task: str,
        columns: list[dict[str, Any]] | None = None,
    ):
        self._session = session
        self._features = features
        self._plan = plan  # (output column, source kind, detail) in output order
        self._task = task
        self._matrix_index: Any = None  # how to take the features out of ParsedRows.matrix
        # Per-column exports: (ONNX input, column, is text, a gap is filled inside the model)
        self._columns = [
            (c["input"], c["column"], c["type"] == "string", bool(c.get("fills_missing")))
            for c in columns or []
        ]
        self._known: dict[str, set[Any]] = {}  # text columns' training categories, where known

    @classmethod
    def build(cls, bundle: Any) -> OnnxPlan:
        """The ONNX plan of `bundle` (not yet checked); Refused says why there is none."""
        note = (getattr(bundle, "manifest", {}) or {}).get("onnx") or {}
        data = getattr(bundle, "onnx_model", None)
        if not data or not note.get("exported"):
            raise Refused(str(note.get("note") or "the bundle has no model.onnx"))
        if note.get("precision") != "double":
            raise Refused(f"model.onnx computes in {note.get('precision')} precision, not double")
        try:
            import onnxruntime as ort
        except ImportError:
            raise Refused("onnxruntime is not installed") from None
        columns = note.get("columns")
        features = (
            [c["column"] for c in columns]
            if columns
            else list(note.get("inputs", {}).get("input", []))
        )
        # Output columns copied from the request: a plain-model export never changes inputs.
        passthrough = set(note["passthrough"]) if "passthrough" in note else None
        task = note.get("task")
        classes = list(note.get("classes") or [])
        names = bundle.input_schema.names
        out_names = bundle.output_schema.names
        derived = [
            c
            for c in out_names
            if c not in names and not (task == "classification" and c.startswith(PROBABILITY))
        ]
        if not features or any(f not in names for f in features) or len(derived) != 1:
            raise Refused("model.onnx does not answer the Deployment Output's columns")
        plan: list[tuple[str, str, Any]] = []
        for c in out_names:
            if c == derived[0]:
                plan.append((c, "label", None))
            elif c in names and (passthrough is None or c in passthrough):
                plan.append((c, "input", c))
            elif c[len(PROBABILITY) :] in map(str, classes):
                plan.append(
                    (c, "probability", [str(k) for k in classes].index(c[len(PROBABILITY) :]))
                )
            else:
                raise Refused(f"model.onnx does not answer the output column {c!r}")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1  # one request is tiny; threads only add hand-off latency
        opts.inter_op_num_threads = 1
        session = ort.InferenceSession(data, sess_options=opts, providers=["CPUExecutionProvider"])
        scorer = cls(session, features, plan, task, columns)
        scorer._known = {
            c.name: set(c.categories)
            for c in getattr(bundle, "served_schema", bundle.input_schema).columns
            if c.categories is not None
        }
        if all_numbers(bundle.input_schema) and not columns:
            scorer._matrix_index = (
                _SAME_ORDER if features == names else [names.index(f) for f in features]
            )
        return scorer

    def _column_feeds(self, rows: ParsedRows) -> dict[str, np.ndarray] | None:
        """One (rows x 1) array per raw column, or None when a value needs the graph."""
        if rows.warnings:  # a category unseen in training: the graph's encoder decides
            return None
        feeds: dict[str, np.ndarray] = {}
        for name, column, text, fills in self._columns:
            values = rows.columns[column]
            if text:
                arr = np.asarray(values, dtype=object)
                if not all(type(v) is str for v in arr):
                    gaps = pd.isna(arr)
                    if not fills or not gaps.any() or any(type(v) is not str for v in arr[~gaps]):
                        return None
                    arr = np.where(gaps, "", arr).astype(object)  # the export's missing text
                known = self._known.get(column)
                if known is not None and not known.issuperset(v for v in arr.tolist() if v != ""):
                    return None  # a category unseen in training: the graph's encoder decides
            else:
                try:
                    arr = np.asarray(values, dtype=np.float64)
                except (TypeError, ValueError):
                    return None
                if np.isinf(arr).any() or (not fills and np.isnan(arr).any()):
                    return None
            feeds[name] = arr.reshape(-1, 1)
        return feeds

    def predict(self, rows: ParsedRows) -> dict[str, list[Any]] | None:
        """Output columns, or None when these rows need the bundle's own graph."""
        if self._columns:
            feeds = self._column_feeds(rows)
            if feeds is None:
                return None
            return self._outputs(self._session.run(None, feeds), rows, rows.n_rows)
        if rows.matrix is not None and self._matrix_index is not None:
            X = (
                rows.matrix
                if self._matrix_index is _SAME_ORDER
                else rows.matrix[:, self._matrix_index]
            )
        else:
            try:
                X = np.column_stack([rows.columns[f] for f in self._features]).astype(
                    np.float64, copy=False
                )
            except (TypeError, ValueError):
                return None
        if not np.isfinite(X).all():
            return None
        return self._outputs(self._session.run(None, {"input": X}), rows, len(X))

    def _outputs(self, outs: list[Any], rows: ParsedRows, n: int) -> dict[str, list[Any]] | None:
        cols: dict[str, list[Any]] = {}
        for name, kind, detail in self._plan:
            if kind == "label":
                label = np.asarray(outs[0])
                cols[name] = (
                    label.ravel() if self._task == "classification" else label.reshape(n, -1)[:, 0]
                ).tolist()
            elif kind == "probability":
                cols[name] = np.asarray(outs[1])[:, detail].astype(np.float64).tolist()
            else:
                values = np.asarray(rows.columns[detail]).tolist()
                if any(v is None or v != v for v in values):  # missing values: let the graph decide
                    return None
                cols[name] = values
        return cols
