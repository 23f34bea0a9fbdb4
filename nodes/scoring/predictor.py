"""Predictor: apply any Model to a table; adds a prediction column and, for
classifiers, one probability column per class (`probability_<class>`)."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
from pydantic import Field

from nodes.learners.base import ClassifierLearner, learner_base
from nodes.scoring.boosted_arrays import raw_scores
from studio.core import ConfigureError, NodeExecutionError, NodeSettings, NodeType, Port, PortType
from studio.core.node import float_matrix
from studio.core.ports import ColumnSpec, ModelSpec, Table, TableSpec, take_columns


class Settings(NodeSettings):
    prediction_column: str = Field(
        "prediction", min_length=1, description="Name of the new prediction column"
    )
    probabilities: bool = Field(
        True, description="Add one probability column per class (classifiers)"
    )


def probability_column(cls) -> str:
    return f"probability_{cls}"


def _why_not_predicted(X: pd.DataFrame, exc: Exception) -> str:
    """Name the feature columns at fault rather than pass on scikit-learn's bare message."""
    text = [
        c
        for c in X.columns
        if not pd.api.types.is_numeric_dtype(X[c]) and not pd.api.types.is_bool_dtype(X[c])
    ]
    if text:
        return (
            f"feature column(s) {', '.join(map(repr, text))} hold text here but numbers in training: "
            f"apply the same preprocessing as in training (e.g. Apply Transform) or convert them with a Type Converter"
        )
    gaps = [c for c in X.columns if X[c].isna().any()]
    if gaps:
        return (
            f"missing values in feature column(s) {', '.join(map(repr, gaps))}: this model cannot predict "
            f"with gaps; apply the training's Missing Value transform (Apply Transform) before the Predictor"
        )
    return f"the model could not predict: {exc}"


class Predictor(NodeType):
    type_id = "scoring.predictor"
    name = "Predictor"
    category = "Predict and score"
    description = (
        "Applies a model to a table: a prediction column plus a probability column per class."
    )
    keywords = ("predict", "score", "apply", "inference", "model")
    inputs = (Port("model", PortType.MODEL), Port("table", PortType.TABLE))
    outputs = (Port("predictions", PortType.TABLE),)
    Settings = Settings

    def configure(self, s: Settings, specs, ctx):
        model: ModelSpec | None = specs[0]
        table: TableSpec | None = specs[1]
        missing = [f for f in model.features if f not in table.names]
        if missing:
            raise ConfigureError(
                f"the table lacks the model's feature column(s) {', '.join(map(repr, missing))}: apply the same preprocessing as in training",
                where="input port 'table'",
            )
        learner = learner_base(model.task)
        cols = [c for c in table.columns if c.name != s.prediction_column]
        cols.append(ColumnSpec(s.prediction_column, learner.prediction_dtype))
        tasks = (
            *(t for t in table.tasks if t[0] != s.prediction_column),
            (s.prediction_column, model.task),
        )
        open_: tuple[str, ...] = ()
        if issubclass(learner, ClassifierLearner) and s.probabilities:
            if model.classes:
                cols += [ColumnSpec(probability_column(c), "number") for c in model.classes]
            else:
                # The probability columns are named after classes only the data will tell:
                # the spec says so, and the known columns can still be checked downstream.
                open_ = (probability_column(""),)
        return [TableSpec(tuple(cols), table.roles, open_, tuple(sorted(tasks)))]

    def execute(self, s: Settings, inputs, ctx):
        model, table = inputs
        df = table.df
        missing = [f for f in model.features if f not in df.columns]
        if missing:
            raise NodeExecutionError(
                f"the table lacks the model's feature column(s) {', '.join(map(repr, missing))}"
            )
        X = take_columns(df, list(model.features))
        with_proba = (
            issubclass(learner_base(model.task), ClassifierLearner)
            and s.probabilities
            and hasattr(model.estimator, "predict_proba")
        )
        if len(X) == 0:  # same columns as for any other table, as configure promises
            new = {s.prediction_column: pd.Series(dtype=object)}
            if with_proba:
                new.update(
                    {
                        probability_column(c): pd.Series(dtype=float)
                        for c in model.estimator.classes_
                    }
                )
            extra = pd.DataFrame(new, index=df.index)
            kept = df.drop(columns=[c for c in extra.columns if c in df.columns])
            return [self._predicted(table, pd.concat([kept, extra], axis=1), s, model)]
        try:
            pred = model.estimator.predict(X)
        except ValueError as exc:
            raise NodeExecutionError(_why_not_predicted(X, exc)) from None
        new = {s.prediction_column: pred}
        if with_proba:
            proba = model.estimator.predict_proba(X)
            for i, c in enumerate(model.estimator.classes_):
                new[probability_column(c)] = proba[:, i]
        extra = pd.DataFrame(new, index=df.index)
        # New columns go last, replacing same-named ones, exactly as configure promises.
        replaced = [c for c in extra.columns if c in df.columns]
        kept = df.drop(columns=replaced) if replaced else df
        return [self._predicted(table, pd.concat([kept, extra], axis=1), s, model)]

    @staticmethod
    def _predicted(table, df: pd.DataFrame, s: Settings, model) -> Table:
        """The scored table, recording which task made the prediction column."""
        out = table.with_df(df)
        out.tasks[s.prediction_column] = model.task
        return out

    def compile_arrays(self, s: Settings, state, inputs, ctx):
        model = inputs[0]
        if model is None:
            return None  # the model flows from the request side: nothing frozen to compile
        features = list(model.features)
        estimator = _on_arrays(model.estimator)
        with_proba = (
            issubclass(learner_base(model.task), ClassifierLearner)
            and s.probabilities
            and hasattr(estimator, "predict_proba")
        )
        names = [s.prediction_column]
        if with_proba:
            names += [probability_column(c) for c in estimator.classes_]

        both = _one_pass(estimator)

        def predict(cols):
            X = float_matrix(cols, features)
            if len(X) == 0:
                return None  # the graph's empty-table columns
            if both is not None:
                label, proba = both(X)
                proba = proba if with_proba else None
            else:
                label = estimator.predict(X)
                proba = estimator.predict_proba(X) if with_proba else None
            new = {s.prediction_column: label}
            if proba is not None:
                new.update((n, proba[:, i]) for i, n in enumerate(names[1:]))
            return {**{k: v for k, v in cols.items() if k not in new}, **new}

        return predict


def _one_pass(estimator):
    """`X -> (predict(X), predict_proba(X) or None)` from one pass over the ensemble, for
    the models whose methods are views of the same raw scores; None otherwise.

    HistGradientBoosting's `predict` and `predict_proba` each sum every tree (scikit-learn
    1.x): a classifier's label is the sign (binary) or argmax of the raw scores and its
    probabilities their inverse link, a regressor's prediction the inverse link; done
    here exactly as scikit-learn does them, on raw scores computed once (boosted_arrays
    walks the trees in numpy for small batches). The compiled plan is proven equal to
    the graph, which calls the public methods, at build and at every load, so a
    scikit-learn that differs leaves the bundle on the graph rather than answering
    differently."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    kind = type(estimator)
    if kind not in (HistGradientBoostingClassifier, HistGradientBoostingRegressor):
        return None
    loss = getattr(estimator, "_loss", None)
    scores = raw_scores(estimator) or getattr(estimator, "_raw_predict", None)
    if scores is None or loss is None:
        return None
    if kind is HistGradientBoostingRegressor:
        inverse = loss.link.inverse
        return lambda X: (inverse(scores(X).ravel()), None)
    if not hasattr(loss, "predict_proba"):
        return None
    classes = estimator.classes_

    def both(X):
        raw = scores(X)
        if raw.shape[1] == 1:
            encoded = (raw.ravel() > 0).astype(int)
        else:
            encoded = np.argmax(raw, axis=1)
        return classes[encoded], loss.predict_proba(raw)

    return both


def _on_arrays(estimator):
    """The fitted estimator without its feature names: the plan hands it a matrix in the
    training feature order, so scikit-learn's per-call name check (and warning) is moot."""
    if not hasattr(estimator, "feature_names_in_"):
        return estimator
    bare = copy.copy(estimator)
    try:
        del bare.feature_names_in_
    except AttributeError:  # a property (e.g. a Pipeline's): keep it as it is
        return estimator
    return bare
