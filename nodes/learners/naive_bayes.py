"""Naive Bayes (Gaussian): assumes features are independent and normal within each
class; fast, needs few rows, a good baseline for classification."""

from __future__ import annotations

from pydantic import Field
from sklearn.naive_bayes import GaussianNB

from .base import ClassifierLearner, SupervisedSettings


class Settings(SupervisedSettings):
    var_smoothing: float = Field(
        1e-9,
        ge=0,
        le=1,
        description="Share of the largest feature variance added to all variances, for numerical stability",
    )


class NaiveBayesLearner(ClassifierLearner):
    type_id = "learners.naive_bayes"
    name = "Naive Bayes Learner"
    description = "Fits a Gaussian naive Bayes classifier: fast, few settings, class probabilities."
    keywords = ("naive bayes", "bayes", "gaussian", "probabilistic", "classification", "classifier")
    Settings = Settings

    def build(self, s: Settings):
        return GaussianNB(var_smoothing=s.var_smoothing)
