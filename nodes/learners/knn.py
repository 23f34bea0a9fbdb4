"""k-Nearest Neighbours: predict from the k most similar training rows; simple and
assumption-free, but distances need features on one scale (add a Normalizer)."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from studio.core import NodeExecutionError

from .base import LearnerNode, LearnerSettings


class Settings(LearnerSettings):
    n_neighbors: int = Field(
        5, ge=1, le=1_000, description="How many nearest training rows vote (larger: smoother)"
    )
    weights: Literal["uniform", "distance"] = Field(
        "uniform", description="uniform: equal votes; distance: nearer rows count more"
    )
    metric: Literal["euclidean", "manhattan", "chebyshev", "cosine"] = Field(
        "euclidean", description="How distance between rows is measured"
    )


class _KNN(LearnerNode):
    def check(self, s: Settings, X: pd.DataFrame, y: pd.Series | None) -> None:
        if s.n_neighbors > len(X):
            raise NodeExecutionError(
                f"n_neighbors is {s.n_neighbors} but the training table has only {len(X)} rows: lower n_neighbors"
            )


class KNNClassifierLearner(_KNN):
    type_id = "learners.knn_classifier"
    name = "k-Nearest Neighbours Classifier"
    description = "Classifies a row by the majority of its k nearest training rows; scale features first with a Normalizer."
    keywords = (
        "knn",
        "k-nearest",
        "neighbours",
        "neighbors",
        "instance-based",
        "classification",
        "classifier",
    )
    task = "classification"
    Settings = Settings

    def build(self, s: Settings):
        return KNeighborsClassifier(n_neighbors=s.n_neighbors, weights=s.weights, metric=s.metric)


class KNNRegressorLearner(_KNN):
    type_id = "learners.knn_regressor"
    name = "k-Nearest Neighbours Regressor"
    description = "Predicts a row's value as the mean of its k nearest training rows; scale features first with a Normalizer."
    keywords = (
        "knn",
        "k-nearest",
        "neighbours",
        "neighbors",
        "instance-based",
        "regression",
        "regressor",
    )
    task = "regression"
    Settings = Settings

    def build(self, s: Settings):
        return KNeighborsRegressor(n_neighbors=s.n_neighbors, weights=s.weights, metric=s.metric)
