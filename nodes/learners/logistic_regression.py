"""Logistic Regression: a linear classifier with calibrated probabilities."""

from __future__ import annotations

from pydantic import Field
from sklearn.linear_model import LogisticRegression as _LogReg

from .base import ClassifierLearner, ClassWeightField, SupervisedSettings, balanced


class Settings(SupervisedSettings):
    C: float = Field(
        1.0, gt=0, description="Inverse regularisation strength (smaller: simpler model)"
    )
    max_iter: int = Field(1000, ge=10, le=100_000, description="Iteration limit of the solver")
    class_weight: bool = ClassWeightField()


class LogisticRegressionLearner(ClassifierLearner):
    type_id = "learners.logistic_regression"
    name = "Logistic Regression Learner"
    description = "Fits a logistic regression classifier; outputs a Model with class probabilities."
    keywords = ("logistic", "linear", "classification", "classifier", "logit")
    Settings = Settings

    def build(self, s: Settings):
        return _LogReg(C=s.C, max_iter=s.max_iter, class_weight=balanced(s.class_weight))
