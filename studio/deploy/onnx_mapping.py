"""Translate a captured scope's frozen preprocessing into fitted scikit-learn objects that
skl2onnx can convert: one "lane" per raw input column, holding the transformers that
column goes through (imputer, encoder, scaler slices), ended by the model.

Our preprocessing nodes work column by column, so the scope is equivalent to a
ColumnTransformer of per-column Pipelines whose blocks are concatenated in the order
the model's features have. Anything without an exact equivalent raises `Unmappable`,
whose message becomes the manifest note; the bundle's own graph then stays the only path.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import (
    MinMaxScaler,
    OneHotEncoder,
    OrdinalEncoder,
    RobustScaler,
    StandardScaler,
)

from studio.core.ports import Model, TableSpec, Transform

PASS_THROUGH = {"deployment.input", "deployment.output", "manipulation.column_filter"}
APPLY = "preprocessing.apply_transform"
PREDICTOR = "scoring.predictor"
MISSING, ENCODER, NORMALIZER = (
    "preprocessing.missing_value",
    "preprocessing.category_encoder",
    "preprocessing.normalizer",
)
TEXT_KINDS = ("string", "category")
NUMBER_KINDS = ("number", "integer", "boolean")


class Unmappable(Exception):
    """The scope (or one setting in it) has no exact scikit-learn equivalent."""


@dataclass
class ScopeStep:
    """One captured node as the export sees it: what it is and what it produced in training."""

    type_id: str
    label: str
    table: pd.DataFrame | None  # its (first) output table in the training run
    settings: dict[str, Any] = field(default_factory=dict)
    transform: Transform | None = None  # the fitted preprocessing it applies
    model: Model | None = None  # the frozen model a Predictor applies


@dataclass
class Lane:
    """One raw input column's way through the scope: ONNX input `name`, then `steps`."""

    name: str
    column: str
    text: bool
    steps: list[tuple[str, Any]] = field(default_factory=list)
    width: int = 1
    encoded: bool = False
    fills_missing: bool = False


@dataclass
class Mapping:
    lanes: list[Lane]  # every raw column, in input order
    blocks: list[Lane]  # the lanes feeding the model, in feature order
    model: Model
    predictions: pd.DataFrame  # the Predictor's output in training (the reference answers)
    passthrough: list[str]  # output columns that are raw input columns, untouched


class _NumberFill(SimpleImputer):
    """SimpleImputer whose ONNX form works in double precision (onnxruntime's Imputer
    operator is float-only, which would round every value): Where(IsNaN(x), fill, x)."""


def _fill_shape(operator: Any) -> None:
    t = operator.inputs[0].type
    operator.outputs[0].type = t.__class__([None, len(operator.raw_operator.statistics_)])


def _fill_convert(scope: Any, operator: Any, container: Any) -> None:
    from onnx import TensorProto
    from skl2onnx.common.data_types import DoubleTensorType

    x = operator.inputs[0].full_name
    stats = operator.raw_operator.statistics_
    double = isinstance(operator.inputs[0].type, DoubleTensorType)
    fill = scope.get_unique_variable_name("fill")
    container.add_initializer(
        fill,
        TensorProto.DOUBLE if double else TensorProto.FLOAT,
        [1, len(stats)],
        list(map(float, stats)),
    )
    isnan = scope.get_unique_variable_name("isnan")
    container.add_node("IsNaN", [x], [isnan], name=scope.get_unique_operator_name("IsNaN"))
    container.add_node(
        "Where",
        [isnan, fill, x],
        [operator.outputs[0].full_name],
        name=scope.get_unique_operator_name("Where"),
    )


def register_converters() -> None:
    from skl2onnx import update_registered_converter

    update_registered_converter(_NumberFill, "KnotworkNumberFill", _fill_shape, _fill_convert)


# ---- per-node translations -----------------------------------------------------------
def _missing_value(t: Transform, layout: list[tuple[str, Lane, int]]) -> None:
    lanes = {name: (lane, k) for name, lane, k in layout}
    for col, value in t.state["fills"].items():
        lane, _ = lanes[col]
        if lane.width != 1 or lane.encoded:
            raise Unmappable(
                f"filling gaps in {col!r} after it was encoded has no scikit-learn mapping"
            )
        if lane.text:
            if not isinstance(value, str) or value == "":
                raise Unmappable(
                    f"the fill value {value!r} of text column {col!r} is not a non-empty string"
                )
            # ONNX string tensors have no missing value: a gap arrives as "" (never a category).
            imp = SimpleImputer(strategy="constant", fill_value=value, missing_values="")
            lane.steps.append(("fill", imp.fit(np.array([["x"]], dtype=object))))
        else:
            lane.steps.append(
                ("fill", _NumberFill(strategy="constant", fill_value=float(value)).fit([[0.0]]))
            )
        lane.fills_missing = True


def _category_encoder(
    t: Transform, layout: list[tuple[str, Lane, int]]
) -> list[tuple[str, Lane, int]]:
    method = t.settings.get("method", "one_hot")
    unseen = t.settings.get("unseen", "ignore")
    encoded = {}
    for col, cats in t.state["categories"].items():
        lane = next(lane for name, lane, _ in layout if name == col)
        if not lane.text or lane.width != 1 or lane.encoded:
            raise Unmappable(f"column {col!r} is encoded but is not a raw text column")
        if not cats or not all(isinstance(c, str) and c != "" for c in cats):
            raise Unmappable(f"the categories of {col!r} are not all non-empty strings")
        fit_on = np.array([[cats[0]]], dtype=object)
        if method == "ordinal":
            if unseen == "error":  # ONNX's ordinal encoding gives a code, never an error
                raise Unmappable(
                    f"ordinal codes of {col!r} with unseen='error' cannot refuse unseen values in ONNX"
                )
            enc: Any = OrdinalEncoder(
                categories=[cats], handle_unknown="use_encoded_value", unknown_value=-1
            )
            names = [col]
        else:
            if unseen == "reserved":
                raise Unmappable(
                    f"one-hot column {col}___unseen__ (unseen='reserved') has no scikit-learn equivalent"
                )
            enc = OneHotEncoder(
                categories=[cats],
                handle_unknown="error" if unseen == "error" else "ignore",
                sparse_output=False,
            )
            names = [f"{col}_{c}" for c in cats]
        from skl2onnx.sklapi import CastTransformer  # encoders give float32 in ONNX: back to double

        lane.steps += [
            ("encode", enc.fit(fit_on)),
            ("double", CastTransformer(dtype=np.float64).fit(np.zeros((1, len(names))))),
        ]
        lane.width, lane.encoded = len(names), True
        encoded[col] = [(n, lane, k) for k, n in enumerate(names)]
    out: list[tuple[str, Lane, int]] = []
    for entry in layout:
        out += encoded.get(entry[0], [entry])
    return out


_IDENTITY = {  # fitted attributes of each scaler, and their value for "leave this column as is"
    StandardScaler: {"mean_": 0.0, "var_": 1.0, "scale_": 1.0},
    MinMaxScaler: {
        "min_": 0.0,
        "scale_": 1.0,
        "data_min_": 0.0,
        "data_max_": 1.0,
        "data_range_": 1.0,
    },
    RobustScaler: {"center_": 0.0, "scale_": 1.0},
}


def _normalizer(t: Transform, layout: list[tuple[str, Lane, int]]) -> None:
    scaler = t.state.get("scaler")
    columns = t.state["columns"]
    if scaler is None or not columns:
        return
    attrs = _IDENTITY.get(type(scaler))
    if attrs is None:
        raise Unmappable(f"scaler {type(scaler).__name__} has no mapping")
    where = {name: (lane, k) for name, lane, k in layout}
    by_lane: dict[int, list[tuple[int, int]]] = {}
    for i, col in enumerate(columns):
        lane, k = where[col]
        if lane.text and not lane.encoded:
            raise Unmappable(f"column {col!r} is scaled but is text")
        by_lane.setdefault(id(lane), []).append((i, k))
    for lane in {id(lane): lane for _, lane, _ in layout}.values():
        if id(lane) not in by_lane:
            continue
        part = copy.deepcopy(scaler)  # the node's fitted scaler, restricted to this lane's columns
        for attr, identity in attrs.items():
            values = getattr(scaler, attr)
            sliced = np.full(lane.width, identity, dtype=np.float64)
            for i, k in by_lane[id(lane)]:
                sliced[k] = values[i]
            setattr(part, attr, sliced)
        part.n_features_in_ = lane.width
        if hasattr(part, "n_samples_seen_") and np.ndim(part.n_samples_seen_):
            part.n_samples_seen_ = np.full(lane.width, int(np.max(part.n_samples_seen_)))
        if hasattr(part, "feature_names_in_"):
            del part.feature_names_in_
        lane.steps.append(("scale", part))


TRANSLATE = {MISSING: _missing_value, ENCODER: _category_encoder, NORMALIZER: _normalizer}


def map_scope(steps: list[ScopeStep], input_spec: TableSpec) -> Mapping:
    """Follow the columns through the scope, translating each node; check every node's
    columns (names and order) against what it produced in training."""
    lanes = []
    for j, c in enumerate(input_spec.columns):
        lanes.append(Lane(f"c{j}", c.name, c.dtype in TEXT_KINDS))
    layout = [(lane.column, lane, 0) for lane in lanes]
    kinds = {c.name: c.dtype for c in input_spec.columns}
    model: Model | None = None
    predictions: pd.DataFrame | None = None
    features_from: dict[str, tuple[str, Lane, int]] = {}  # the columns the Predictor was given
    for step in steps:
        if step.type_id == PREDICTOR:
            if model is not None or step.model is None:
                raise Unmappable("ONNX export needs exactly one Predictor with one frozen model")
            model, predictions, features_from = (
                step.model,
                step.table,
                dict((e[0], e) for e in layout),
            )
            new = [c for c in step.table.columns if c not in {n for n, _, _ in layout}]
            layout = [e for e in layout if e[0] in step.table.columns] + [(c, None, 0) for c in new]
        elif step.transform is not None and step.transform.node_type in TRANSLATE:
            if model is not None:
                raise Unmappable(f'"{step.label}" transforms the rows after the Predictor')
            result = TRANSLATE[step.transform.node_type](step.transform, layout)
            layout = result if result is not None else layout
        elif step.type_id in PASS_THROUGH:
            if step.table is not None:
                where = {e[0]: e for e in layout}
                if any(c not in where for c in step.table.columns):
                    raise Unmappable(f'"{step.label}" produces columns the export cannot follow')
                layout = [where[c] for c in step.table.columns]
        else:
            what = step.transform.node_type if step.transform is not None else step.type_id
            raise Unmappable(f"node type {what} has no scikit-learn mapping")
        if step.table is not None and [e[0] for e in layout] != [
            str(c) for c in step.table.columns
        ]:
            raise Unmappable(
                f'the columns after "{step.label}" differ from those it produced in training'
            )
    if model is None or predictions is None:
        raise Unmappable("ONNX export needs exactly one Predictor with one frozen model")
    if not type(model.estimator).__module__.startswith("sklearn."):
        raise Unmappable(f"{type(model.estimator).__name__} is not a scikit-learn estimator")
    where = features_from
    blocks: list[Lane] = []
    i = 0
    features = list(model.features)
    while i < len(features):
        name, lane, k = where.get(features[i], (None, None, 0))
        if lane is None or k != 0 or (not lane.encoded and lane.text):
            raise Unmappable(
                f"the model's feature {features[i]!r} is not a numeric column the export can follow"
            )
        if kinds[lane.column] not in (*NUMBER_KINDS, *TEXT_KINDS):
            raise Unmappable(
                f"input column {lane.column!r} ({kinds[lane.column]}) has no ONNX input type"
            )
        block = [
            n
            for n, ln, _ in sorted((e for e in where.values() if e[1] is lane), key=lambda e: e[2])
        ]
        if len(block) != lane.width or features[i : i + len(block)] != block:
            raise Unmappable(
                f"the model uses only part of, or reorders, the columns made from {lane.column!r}"
            )
        blocks.append(lane)
        i += len(block)
    untouched = {lane.column for lane in lanes if not lane.steps}
    passthrough = (
        [c for c in steps[-1].table.columns if c in untouched]
        if steps[-1].table is not None
        else []
    )
    return Mapping(lanes, blocks, model, predictions, passthrough)


def sklearn_pipeline(mapping: Mapping) -> Any:
    """The fitted scikit-learn equivalent: ColumnTransformer of per-column Pipelines, then the model."""
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    used = mapping.blocks
    dummy = pd.DataFrame(
        {
            lane.name: np.array(["x" if lane.text else 0.0], dtype=object if lane.text else float)
            for lane in used
        }
    )
    # Fit the frame with pass-through blocks only to build the column routing, then put the
    # already fitted per-column pipelines in place (fitting would re-learn on this dummy row).
    ct = ColumnTransformer(
        [(lane.name, "passthrough", [lane.name]) for lane in used], remainder="drop"
    )
    ct.fit(dummy)
    fitted = {lane.name: Pipeline(lane.steps) for lane in used if lane.steps}
    ct.transformers_ = [(n, fitted.get(n, t), c) for n, t, c in ct.transformers_]
    return Pipeline([("preprocessing", ct), ("model", mapping.model.estimator)])
