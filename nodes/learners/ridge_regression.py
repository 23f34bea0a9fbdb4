"""Ridge Regression: linear regression with an L2 penalty, stable when features are
correlated or outnumber the rows."""

from __future__ import annotations

from pydantic import Field
from sklearn.linear_model import Ridge

from .base import RegressorLearner, SupervisedSettings


class Settings(SupervisedSettings):
    alpha: float = Field(
        1.0,
        ge=0,
        le=1e6,
        description="Penalty strength (larger: smaller coefficients, simpler model)",
    )
    fit_intercept: bool = Field(True, description="Fit a constant term")


class RidgeRegressionLearner(RegressorLearner):
    type_id = "learners.ridge_regression"
    name = "Ridge Regression Learner"
    description = "Fits a linear regression with an L2 penalty (ridge); scale features first with a Normalizer."
    keywords = ("ridge", "linear", "regression", "l2", "regularized", "regularised")
    Settings = Settings

    def build(self, s: Settings):
        return Ridge(alpha=s.alpha, fit_intercept=s.fit_intercept)
