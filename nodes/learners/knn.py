"""k-Nearest Neighbours: predict from the k most similar training rows; simple and
assumption-free, but distances need features on one scale (add a Normalizer)."""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd
from pydantic import Field
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from studio.core import NodeExecutionError

from .base import ClassifierLearner, RegressorLearner, SupervisedSettings

KEYWORDS = ("knn", "k-nearest", "neighbours", "neighbors", "instance-based")


class Settings(SupervisedSettings):
    n_neighbors: int = Field(
        5, ge=1, le=1_000, description="How many nearest training rows vote (larger: smoother)"
    )
    weights: Literal["uniform", "distance"] = Field(
        "uniform", description="uniform: equal votes; distance: nearer rows count more"
    )
    metric: Literal["euclidean", "manhattan", "chebyshev", "cosine"] = Field(
        "euclidean", description="How distance between rows is measured"
    )

    def estimator_params(self) -> dict[str, Any]:
        """These settings as the scikit-learn arguments both estimators take."""
        return {"n_neighbors": self.n_neighbors, "weights": self.weights, "metric": self.metric}

    def check_data(self, X: pd.DataFrame, y: pd.Series | None) -> None:
        if self.n_neighbors > len(X):
            raise NodeExecutionError(
                f"n_neighbors is {self.n_neighbors} but the training table has only {len(X)} rows: lower n_neighbors"
            )


class KNNClassifierLearner(ClassifierLearner):
    type_id = "learners.knn_classifier"
    name = "k-Nearest Neighbours Classifier"
    description = "Classifies a row by the majority of its k nearest training rows; scale features first with a Normalizer."
    keywords = (*KEYWORDS, "classification", "classifier")
    Settings = Settings

    def build(self, s: Settings):
        return KNeighborsClassifier(**s.estimator_params())


class KNNRegressorLearner(RegressorLearner):
    type_id = "learners.knn_regressor"
    name = "k-Nearest Neighbours Regressor"
    description = "Predicts a row's value as the mean of its k nearest training rows; scale features first with a Normalizer."
    keywords = (*KEYWORDS, "regression", "regressor")
    Settings = Settings

    def build(self, s: Settings):
        return KNeighborsRegressor(**s.estimator_params())
