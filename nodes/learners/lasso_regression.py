"""Lasso Regression: linear regression with an L1 penalty, which sets the coefficients
of unhelpful features to exactly zero (a built-in feature selection)."""

from __future__ import annotations

from pydantic import Field
from sklearn.linear_model import Lasso

from .base import RegressorLearner, SupervisedSettings


class Settings(SupervisedSettings):
    alpha: float = Field(
        1.0, gt=0, le=1e6, description="Penalty strength (larger: more coefficients become zero)"
    )
    fit_intercept: bool = Field(True, description="Fit a constant term")
    max_iter: int = Field(
        10_000, ge=100, le=1_000_000, description="Iteration limit of the coordinate descent solver"
    )


class LassoRegressionLearner(RegressorLearner):
    type_id = "learners.lasso_regression"
    name = "Lasso Regression Learner"
    description = "Fits a linear regression with an L1 penalty (lasso) that zeroes unhelpful features; scale features first."
    keywords = ("lasso", "linear", "regression", "l1", "sparse", "regularized", "regularised")
    Settings = Settings

    def build(self, s: Settings):
        return Lasso(alpha=s.alpha, fit_intercept=s.fit_intercept, max_iter=s.max_iter)
