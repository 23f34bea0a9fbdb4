"""A faster way to the same answers: score with the bundle's `model.onnx` (onnxruntime,
numpy in and out, no pandas) when the bundle's scope maps onto scikit-learn objects.

Two export shapes: one "input" matrix of numeric features (a plain model), or one input
per raw column, text as strings (preprocessing before the model; see deploy/onnx_mapping).
Used only when it reproduces `bundle.predict` on the bundle's own example and reference
rows (labels identical, numbers within 1e-9); any batch it cannot take as-is (a missing
value ONNX does not fill, a category unseen in training) goes through `bundle.predict`,
so answers never depend on which path ran.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from .inputs import InputProblems, InputSchema, ParsedRows

log = logging.getLogger("knotwork.serve")
TOLERANCE = 1e-9
PROBABILITY = "probability_"
_SAME_ORDER = object()  # the features are the input columns, in order: use the matrix as it is


class OnnxScorer:
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

    @classmethod
    def build(cls, bundle: Any, inputs: InputSchema) -> OnnxScorer | None:
        """The checked fast path for `bundle`, or None (with the reason in the log)."""
        note = (getattr(bundle, "manifest", {}) or {}).get("onnx") or {}
        data = getattr(bundle, "onnx_model", None)
        if not data or not note.get("exported") or note.get("precision") != "double":
            return None
        try:
            import onnxruntime as ort
        except ImportError:
            return None
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
        names = inputs.names
        out_names = bundle.output_schema.names
        derived = [
            c
            for c in out_names
            if c not in names and not (task == "classification" and c.startswith(PROBABILITY))
        ]
        if not features or any(f not in names for f in features) or len(derived) != 1:
            return None
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
                return None
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1  # one request is tiny; threads only add hand-off latency
        opts.inter_op_num_threads = 1
        session = ort.InferenceSession(data, sess_options=opts, providers=["CPUExecutionProvider"])
        scorer = cls(session, features, plan, task, columns)
        if inputs.all_numbers and not columns:
            scorer._matrix_index = (
                _SAME_ORDER if features == names else [names.index(f) for f in features]
            )
        reason = scorer._agrees_with(bundle, inputs)
        if reason:
            log.info("serving %s with bundle.predict: the ONNX model %s", bundle.name, reason)
            return None
        return scorer

    def _agrees_with(self, bundle: Any, inputs: InputSchema) -> str | None:
        """Why the fast path may not be used (None when it matches bundle.predict)."""
        frames = []
        try:
            frames.append(pd.DataFrame(bundle.input_example))
        except Exception:  # an older bundle without an example: the reference sample suffices
            pass
        try:
            frames.append(bundle.reference_sample().head(500))
        except Exception:
            pass
        parsed = []
        for frame in frames:
            frame = frame[[c for c in frame.columns if c in inputs.names]]
            complete = frame.dropna()
            try:  # both ways a request arrives: columns, and records (the all-number matrix)
                parsed.append(inputs.from_frame(frame, "warn"))
                parsed.append(inputs.from_records(complete.to_dict(orient="records"), "warn"))
            except (InputProblems, KeyError):
                continue
        checked = 0
        for rows in parsed:
            if rows.n_rows == 0:
                continue
            fast = self.predict(rows)
            if fast is None:
                continue
            want = bundle.predict(rows.frame())
            for name, values in fast.items():
                ref = want[name].to_numpy()
                got = np.asarray(values, dtype=ref.dtype if ref.dtype.kind in "fiub" else object)
                if ref.dtype.kind == "f":
                    if not np.allclose(got, ref, rtol=0, atol=TOLERANCE, equal_nan=True):
                        return f"differs from the bundle in column {name!r}"
                elif [str(v) for v in got] != [str(v) for v in ref]:
                    return f"differs from the bundle in column {name!r}"
            checked += rows.n_rows
        return None if checked else "could not be checked on any example row"

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
