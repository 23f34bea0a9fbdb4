"""MLP (multi-layer perceptron): a small feed-forward neural network; flexible, but it
needs features on one scale (add a Normalizer) and a seed to be reproducible."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from sklearn.neural_network import MLPClassifier, MLPRegressor

from .base import LearnerNode, LearnerSettings


class Settings(LearnerSettings):
    hidden_layers: list[Annotated[int, Field(ge=1, le=10_000)]] = Field(
        default_factory=lambda: [100],
        min_length=1,
        max_length=10,
        description="Neurons per hidden layer, e.g. [64, 32]",
    )
    activation: Literal["relu", "tanh", "logistic"] = Field(
        "relu", description="Activation function of the hidden layers"
    )
    alpha: float = Field(1e-4, ge=0, le=100, description="L2 penalty (larger: simpler network)")
    learning_rate_init: float = Field(
        1e-3, gt=0, le=1, description="Initial step size of the Adam optimiser"
    )
    max_iter: int = Field(500, ge=10, le=100_000, description="Most passes over the training rows")
    early_stopping: bool = Field(
        False, description="Stop when a held-out 10% of the training rows stops improving"
    )
    seed: int = Field(42, ge=0, description="Random seed for the initial weights and the row order")


def _common(s: Settings) -> dict:
    return {
        "hidden_layer_sizes": tuple(s.hidden_layers),
        "activation": s.activation,
        "alpha": s.alpha,
        "learning_rate_init": s.learning_rate_init,
        "max_iter": s.max_iter,
        "early_stopping": s.early_stopping,
        "random_state": s.seed,
    }


class MLPClassifierLearner(LearnerNode):
    type_id = "learners.mlp_classifier"
    name = "MLP Classifier"
    description = "Fits a multi-layer perceptron (neural network) classifier; scale features first with a Normalizer."
    keywords = ("mlp", "neural network", "perceptron", "deep", "nn", "classification", "classifier")
    task = "classification"
    Settings = Settings

    def build(self, s: Settings):
        return MLPClassifier(**_common(s))


class MLPRegressorLearner(LearnerNode):
    type_id = "learners.mlp_regressor"
    name = "MLP Regressor"
    description = "Fits a multi-layer perceptron (neural network) regressor; scale features first with a Normalizer."
    keywords = ("mlp", "neural network", "perceptron", "deep", "nn", "regression", "regressor")
    task = "regression"
    Settings = Settings

    def build(self, s: Settings):
        return MLPRegressor(**_common(s))
