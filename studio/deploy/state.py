"""Freezing port values and fitted state into bundle files, and thawing them safely.

Port wrappers (Model, Transform, Table, ...) keep their plain fields as JSON; only the
fitted objects inside go through skops, and the *loader* decides which types to trust —
skops' own defaults (scikit-learn estimators, numpy, builtins) plus the internal types
listed in TRUSTED_TYPES. Nothing the bundle says widens that list. Never pickle.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd

from studio.core.ports import Connection, Figure, Metrics, Model, Table, Transform
from studio.core.scalars import python_scalar

from .errors import BundleError, UntrustedTypeError

# Internal types of the estimators the node library uses that skops does not trust by default.
TRUSTED_TYPES: tuple[str, ...] = (
    "numpy.dtype",
    "sklearn.tree._tree.Tree",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    *(
        f"sklearn.metrics._dist_metrics.{name}{bits}"
        for name in (
            "EuclideanDistance",
            "ManhattanDistance",
            "ChebyshevDistance",
            "MinkowskiDistance",
            "SEuclideanDistance",
        )
        for bits in ("64", "32")
    ),
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "collections.OrderedDict",
    "collections.defaultdict",
)


def jsonable(obj: Any) -> Any:
    """Plain JSON values from numpy/pandas scalars and containers; NaN and infinities become null."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [jsonable(v) for v in obj.tolist()]
    obj = python_scalar(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, (pd.Timestamp,)):
        return obj.isoformat()
    if obj is None or isinstance(obj, (str, int, float, bool)):
        return obj
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def dump_object(obj: Any, what: str) -> bytes:
    import skops.io as sio

    try:
        return sio.dumps(obj)
    except Exception as exc:  # skops names the unsupported object; we name the node
        raise BundleError(
            f"{what}: cannot be persisted with skops ({type(exc).__name__}: {exc}); fitted state must be "
            f"scikit-learn objects, numpy arrays or plain Python values"
        ) from None


def load_object(data: bytes, file: str) -> Any:
    """Load a skops file, refusing any type outside skops' defaults and TRUSTED_TYPES."""
    import skops.io as sio

    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception as exc:
        raise BundleError(f"{file}: not a readable skops file: {exc}") from None
    refused = sorted(t for t in untrusted if t not in TRUSTED_TYPES)
    if refused:
        raise UntrustedTypeError(file, refused)
    try:
        return sio.loads(data, trusted=list(untrusted))
    except Exception as exc:
        raise BundleError(f"{file}: cannot load: {type(exc).__name__}: {exc}") from None


def table_bytes(df: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    df.to_parquet(buf, index=True)
    return buf.getvalue()


def read_table(data: bytes) -> pd.DataFrame:
    return pd.read_parquet(io.BytesIO(data))


def dump_value(value: Any, stem: str, what: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A JSON descriptor of a value plus the files it needs under `state/` (paths relative to the bundle)."""
    if value is None:
        return {"kind": "none"}, {}
    if isinstance(value, Model):
        file = f"state/{stem}.estimator.skops"
        desc = {
            "kind": "model",
            "task": value.task,
            "features": list(value.features),
            "target": value.target,
            "classes": jsonable(value.classes),
            "metrics": jsonable(value.metrics),
            "learner": value.learner,
            "settings": jsonable(value.settings),
            "validation": jsonable(value.validation),
            "estimator": file,
        }
        return desc, {file: dump_object(value.estimator, what)}
    if isinstance(value, Transform):
        file = f"state/{stem}.transform.skops"
        desc = {
            "kind": "transform",
            "transform_kind": value.kind,
            "input_columns": list(value.input_columns),
            "node_type": value.node_type,
            "settings": jsonable(value.settings),
            "state": file,
        }
        return desc, {file: dump_object(value.state, what)}
    if isinstance(value, Table):
        file = f"state/{stem}.table.parquet"
        df = value.df.copy()
        df.columns = [str(c) for c in df.columns]
        return {"kind": "table", "roles": dict(value.roles), "data": file}, {file: table_bytes(df)}
    if isinstance(value, Metrics):
        return {"kind": "metrics", "values": jsonable(value.values), "title": value.title}, {}
    if isinstance(value, Figure):
        file = f"state/{stem}.png"
        return {"kind": "figure", "title": value.title, "png": file}, {file: value.png}
    if isinstance(value, Connection):
        return {"kind": "connection", "url": value.url, "password_ref": value.password_ref}, {}
    file = f"state/{stem}.skops"
    return {"kind": "object", "file": file}, {file: dump_object(value, what)}


def _file(files: dict[str, bytes], name: Any) -> bytes:
    if not isinstance(name, str) or name not in files:
        raise BundleError(f"graph.json refers to {name!r}, which is not a file of the bundle")
    return files[name]


def load_value(desc: dict[str, Any], files: dict[str, bytes]) -> Any:
    """The inverse of dump_value, from verified file contents."""
    kind = desc.get("kind")
    if kind == "none":
        return None
    if kind == "model":
        return Model(
            estimator=load_object(_file(files, desc["estimator"]), desc["estimator"]),
            task=desc["task"],
            features=list(desc["features"]),
            target=desc.get("target"),
            classes=desc.get("classes"),
            metrics=desc.get("metrics") or {},
            learner=desc.get("learner", ""),
            settings=desc.get("settings") or {},
            validation=desc.get("validation"),
        )
    if kind == "transform":
        return Transform(
            desc["transform_kind"],
            list(desc["input_columns"]),
            load_object(_file(files, desc["state"]), desc["state"]),
            desc.get("node_type", ""),
            desc.get("settings") or {},
        )
    if kind == "table":
        return Table(read_table(_file(files, desc["data"])), dict(desc.get("roles") or {}))
    if kind == "metrics":
        return Metrics(desc.get("values") or {}, desc.get("title", ""))
    if kind == "figure":
        return Figure(_file(files, desc["png"]), desc.get("title", ""))
    if kind == "connection":
        return Connection(desc["url"], desc.get("password_ref"))
    if kind == "object":
        return load_object(_file(files, desc["file"]), desc["file"])
    raise BundleError(f"graph.json: unknown value kind {kind!r} (written by a newer Knotwork?)")
