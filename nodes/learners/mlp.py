"""MLP (multi-layer perceptron): a small feed-forward neural network; flexible, but it
needs features on one scale (add a Normalizer) and a seed to be reproducible."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field
from sklearn.neural_network import MLPClassifier, MLPRegressor

from .base import ClassifierLearner, RegressorLearner, SupervisedSettings

KEYWORDS = ("mlp", "neural network", "perceptron", "deep", "nn")


class Settings(SupervisedSettings):
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

    def estimator_params(self) -> dict[str, Any]:
        """These settings as the scikit-learn arguments both networks take."""
        return {
            "hidden_layer_sizes": tuple(self.hidden_layers),
            "activation": self.activation,
            "alpha": self.alpha,
            "learning_rate_init": self.learning_rate_init,
            "max_iter": self.max_iter,
            "early_stopping": self.early_stopping,
            "random_state": self.seed,
        }


class MLPClassifierLearner(ClassifierLearner):
    type_id = "learners.mlp_classifier"
    name = "MLP Classifier"
    description = "Fits a multi-layer perceptron (neural network) classifier; scale features first with a Normalizer."
    keywords = (*KEYWORDS, "classification", "classifier")
    Settings = Settings

    def build(self, s: Settings):
        return MLPClassifier(**s.estimator_params())


class MLPRegressorLearner(RegressorLearner):
    type_id = "learners.mlp_regressor"
    name = "MLP Regressor"
    description = "Fits a multi-layer perceptron (neural network) regressor; scale features first with a Normalizer."
    keywords = (*KEYWORDS, "regression", "regressor")
    Settings = Settings

    def build(self, s: Settings):
        return MLPRegressor(**s.estimator_params())
