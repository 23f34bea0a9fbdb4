"""An optional `model.onnx` for scopes that map onto scikit-learn objects, checked
within ONNX's tolerance against the answers the scope gave on the held-out rows.

Two shapes: one model on numeric columns (a single "input" matrix), and Missing Value /
Category Encoder / Normalizer steps before the model (one input per raw column, see
onnx_mapping). Anything else is skipped with a note in the manifest: the bundle's own
graph stays the reference, and a model.onnx is only written when its parity holds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from studio.core.ports import Model, TableSpec

from .onnx_mapping import PASS_THROUGH, PREDICTOR, Mapping, ScopeStep, Unmappable, map_scope

DOUBLE_TOL = (1e-7, 1e-9)  # (rtol, atol) for double-precision graphs
FLOAT_TOL = (1e-4, 1e-5)  # float32 graphs: what ONNX runtimes guarantee


def _convert(estimator: Any, n: int, double: bool) -> bytes:
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType

    tensor = DoubleTensorType if double else FloatTensorType
    options = {id(estimator): {"zipmap": False}} if hasattr(estimator, "predict_proba") else None
    onx = convert_sklearn(estimator, initial_types=[("input", tensor([None, n]))], options=options)
    return onx.SerializeToString()


def _check(data: bytes, model: Model, X: pd.DataFrame, double: bool) -> dict[str, Any]:
    import onnxruntime as ort

    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    arr = X.to_numpy(dtype=np.float64 if double else np.float32)
    outs = sess.run(None, {"input": arr})
    names = [o.name for o in sess.get_outputs()]
    rtol, atol = DOUBLE_TOL if double else FLOAT_TOL
    expected = model.estimator.predict(X)
    got = (
        np.asarray(outs[0]).reshape(len(X), -1)[:, 0]
        if model.task != "classification"
        else np.asarray(outs[0]).ravel()
    )
    report: dict[str, Any] = {"rows": int(len(X)), "rtol": rtol, "atol": atol, "outputs": names}
    if model.task == "classification":
        mism = np.flatnonzero(
            np.asarray([str(a) != str(b) for a, b in zip(expected, got, strict=True)])
        )
        report["label_mismatches"] = int(len(mism))
        ok = len(mism) == 0
        if hasattr(model.estimator, "predict_proba") and len(outs) > 1:
            proba = model.estimator.predict_proba(X)
            diff = float(np.max(np.abs(proba - np.asarray(outs[1])))) if len(X) else 0.0
            report["max_abs_diff"] = diff
            ok = ok and np.allclose(proba, outs[1], rtol=rtol, atol=atol)
    else:
        diff = float(np.max(np.abs(expected - got))) if len(X) else 0.0
        report["max_abs_diff"] = diff
        ok = bool(np.allclose(expected, got, rtol=rtol, atol=atol))
    report["passed"] = bool(ok)
    return report


def _missing_libraries() -> dict[str, Any] | None:
    try:
        import onnxruntime  # noqa: F401
        import skl2onnx  # noqa: F401
    except ImportError as exc:
        return {"exported": False, "note": f"not exported: {exc.name} is not installed"}
    return None


def _failure(exc: Exception) -> str:
    """A one-line, readable reason from a converter error (they can quote whole arrays),
    naming its root cause and the converter's versions, which decide what converts."""
    from importlib.metadata import PackageNotFoundError, version

    def line(e: BaseException) -> str:
        first = str(e).splitlines()[0] if str(e) else ""
        return f"{type(e).__name__}: {first[:157] + '...' if len(first) > 160 else first}"

    root = exc
    while root.__cause__ is not None:
        root = root.__cause__
    cause = f"; cause: {line(root)}" if root is not exc else ""
    try:
        versions = ", ".join(f"{p} {version(p)}" for p in ("skl2onnx", "onnx", "protobuf"))
    except PackageNotFoundError:
        versions = "unknown versions"
    return (
        f"the ONNX converter failed ({line(exc)}{cause}; with {versions}); "
        "the bundle is served by its next plan"
    )


def export_onnx(
    steps: list[ScopeStep], input_spec: TableSpec, rows: pd.DataFrame
) -> tuple[bytes | None, dict[str, Any]]:
    """(model.onnx bytes or None, manifest note) for a scope, checked on `rows`."""
    node_types = [s.type_id for s in steps]
    if any(t not in PASS_THROUGH and t != PREDICTOR for t in node_types):
        return _export_preprocessed(steps, input_spec, rows)
    models = [s.model for s in steps if s.model is not None]
    if node_types.count(PREDICTOR) != 1 or len(models) != 1:
        return None, {
            "exported": False,
            "note": "not exported: ONNX export needs exactly one Predictor with one frozen model",
        }
    model = models[0]
    if not type(model.estimator).__module__.startswith("sklearn."):
        return None, {
            "exported": False,
            "note": f"not exported: {type(model.estimator).__name__} is not a scikit-learn estimator",
        }
    bad = [
        f
        for f in model.features
        if f not in input_spec.names or not input_spec.column(f).is_numeric
    ]
    if bad:
        return None, {
            "exported": False,
            "note": f"not exported: feature(s) {', '.join(bad)} are not numeric input columns",
        }
    missing = _missing_libraries()
    if missing:
        return None, missing
    X = rows[model.features].astype(float)
    last = "conversion failed"
    for double in (True, False):
        try:
            data = _convert(model.estimator, len(model.features), double)
            report = _check(data, model, X, double)
        except Exception as exc:  # skl2onnx/onnxruntime raise many types; the note names it
            last = _failure(exc)
            continue
        if report["passed"]:
            note = {
                "exported": True,
                "file": "model.onnx",
                "precision": "double" if double else "float",
                "inputs": {"input": list(model.features)},
                "task": model.task,
                "classes": model.classes,
                "parity": report,
            }
            return data, note
        last = f"parity outside tolerance ({'double' if double else 'float'}): {report}"
    return None, {"exported": False, "note": f"not exported: {last}"}


# ---- preprocessing + model: one ONNX input per raw column ------------------------------
def _feeds(mapping: Mapping, rows: pd.DataFrame) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """ONNX inputs for `rows`, and which rows they represent exactly (a text gap only
    where a Missing Value step fills it; it is sent as "")."""
    feeds: dict[str, np.ndarray] = {}
    usable = np.ones(len(rows), dtype=bool)
    for lane in mapping.blocks:
        values = rows[lane.column]
        if lane.text:
            gaps = values.isna().to_numpy()
            if not lane.fills_missing:
                usable &= ~gaps
            text = values.astype(object).where(~gaps, "").map(str).to_numpy(dtype=object)
            feeds[lane.name] = text.reshape(-1, 1)
        else:
            feeds[lane.name] = values.astype("float64").to_numpy().reshape(-1, 1)
    return feeds, usable


def _check_preprocessed(
    data: bytes, mapping: Mapping, rows: pd.DataFrame, label: str
) -> dict[str, Any]:
    import onnxruntime as ort

    sess = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    feeds, usable = _feeds(mapping, rows)
    feeds = {k: v[usable] for k, v in feeds.items()}
    want = mapping.predictions.loc[rows.index[usable]]
    outs = sess.run(None, feeds)
    rtol, atol = DOUBLE_TOL
    report: dict[str, Any] = {
        "rows": int(usable.sum()),
        "skipped_rows": int((~usable).sum()),
        "rtol": rtol,
        "atol": atol,
    }
    model = mapping.model
    if model.task == "classification":
        got = np.asarray(outs[0]).ravel()
        mism = int(sum(str(a) != str(b) for a, b in zip(want[label], got, strict=True)))
        report["label_mismatches"] = mism
        ok, diff = mism == 0, 0.0
        classes = list(getattr(model.estimator, "classes_", []))
        cols = [f"probability_{c}" for c in classes]
        if len(outs) > 1 and all(c in want.columns for c in cols):
            expected = want[cols].to_numpy(dtype=np.float64)
            diff = float(np.max(np.abs(expected - outs[1]))) if len(want) else 0.0
            ok = ok and bool(np.allclose(expected, outs[1], rtol=rtol, atol=atol))
    else:
        got = np.asarray(outs[0]).reshape(len(want), -1)[:, 0]
        expected = want[label].to_numpy(dtype=np.float64)
        diff = float(np.max(np.abs(expected - got))) if len(want) else 0.0
        ok = bool(np.allclose(expected, got, rtol=rtol, atol=atol))
    report["max_abs_diff"] = diff
    report["passed"] = bool(ok and report["rows"] > 0)
    return report


def _export_preprocessed(
    steps: list[ScopeStep], input_spec: TableSpec, rows: pd.DataFrame
) -> tuple[bytes | None, dict[str, Any]]:
    try:
        mapping = map_scope(steps, input_spec)
    except Unmappable as exc:
        return None, {"exported": False, "note": f"not exported: {exc}"}
    missing = _missing_libraries()
    if missing:
        return None, missing
    from skl2onnx import convert_sklearn
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType

    from .onnx_mapping import register_converters, sklearn_pipeline

    predictor = next(s for s in steps if s.type_id == PREDICTOR)
    label = predictor.settings.get("prediction_column", "prediction")
    try:
        register_converters()
        pipeline = sklearn_pipeline(mapping)
        estimator = mapping.model.estimator
        types = [
            (lane.name, (StringTensorType if lane.text else DoubleTensorType)([None, 1]))
            for lane in mapping.blocks
        ]
        options = (
            {id(estimator): {"zipmap": False}} if hasattr(estimator, "predict_proba") else None
        )
        data = convert_sklearn(pipeline, initial_types=types, options=options).SerializeToString()
        report = _check_preprocessed(data, mapping, rows, label)
    except Exception as exc:  # skl2onnx/onnxruntime raise many types; the note names it
        return None, {"exported": False, "note": f"not exported: {_failure(exc)}"}
    if not report["passed"]:
        return None, {
            "exported": False,
            "note": f"not exported: parity outside tolerance (double): {report}",
        }
    return data, {
        "exported": True,
        "file": "model.onnx",
        "precision": "double",
        "columns": [
            {
                "input": lane.name,
                "column": lane.column,
                "type": "string" if lane.text else "double",
                "fills_missing": lane.fills_missing,
            }
            for lane in mapping.blocks
        ],
        "missing_text": "",
        "passthrough": mapping.passthrough,
        "task": mapping.model.task,
        "classes": mapping.model.classes,
        "parity": report,
    }
