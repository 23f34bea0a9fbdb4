"""Linear Regression: ordinary least squares, the baseline every regression should beat."""

from __future__ import annotations

from pydantic import Field
from sklearn.linear_model import LinearRegression as _LinearRegression

from .base import RegressorLearner, SupervisedSettings


class Settings(SupervisedSettings):
    fit_intercept: bool = Field(
        True, description="Fit a constant term (turn off only when the data is centred)"
    )


class LinearRegressionLearner(RegressorLearner):
    type_id = "learners.linear_regression"
    name = "Linear Regression Learner"
    description = (
        "Fits an ordinary least-squares linear regression; outputs a Model with its coefficients."
    )
    keywords = ("linear", "regression", "ols", "least squares")
    Settings = Settings

    def build(self, s: Settings):
        return _LinearRegression(fit_intercept=s.fit_intercept)
