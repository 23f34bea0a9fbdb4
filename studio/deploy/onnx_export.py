"""An optional `model.onnx` for scopes that are just "score these columns with one
scikit-learn model", checked against the model itself within ONNX's tolerance.

Anything else (preprocessing nodes, several models, text features) is skipped with a
note in the manifest: the bundle's own graph stays the reference.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from studio.core.ports import Model, TableSpec

PASS_THROUGH = {"deployment.input", "deployment.output", "manipulation.column_filter"}
PREDICTOR = "scoring.predictor"
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


def export_onnx(
    node_types: list[str], models: list[Model], input_spec: TableSpec, rows: pd.DataFrame
) -> tuple[bytes | None, dict[str, Any]]:
    """(model.onnx bytes or None, manifest note) for a scope, checked on `rows`."""
    others = sorted({t for t in node_types if t not in PASS_THROUGH and t != PREDICTOR})
    if others:
        return None, {
            "exported": False,
            "note": f"not exported: node type(s) {', '.join(others)} have no scikit-learn mapping",
        }
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
    try:
        import onnxruntime  # noqa: F401
        import skl2onnx  # noqa: F401
    except ImportError as exc:
        return None, {"exported": False, "note": f"not exported: {exc.name} is not installed"}
    X = rows[model.features].astype(float)
    last = "conversion failed"
    for double in (True, False):
        try:
            data = _convert(model.estimator, len(model.features), double)
            report = _check(data, model, X, double)
        except Exception as exc:  # skl2onnx/onnxruntime raise many types; the note names it
            last = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
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
