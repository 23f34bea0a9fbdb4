"""Support Vector Machine: a maximum-margin boundary, linear or through a kernel; strong
on small and medium tables once features share a scale (add a Normalizer)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from sklearn.calibration import CalibratedClassifierCV
from sklearn.svm import SVC, SVR

from .base import LearnerNode, LearnerSettings


class _Settings(LearnerSettings):
    C: float = Field(
        1.0,
        gt=0,
        le=1e6,
        description="Inverse regularisation strength (larger: fits the training rows more closely)",
    )
    kernel: Literal["rbf", "linear", "poly", "sigmoid"] = Field(
        "rbf", description="Shape of the boundary: rbf (flexible), linear, polynomial or sigmoid"
    )
    gamma: Literal["scale", "auto"] = Field(
        "scale",
        description="Kernel width: scale uses the features' variance, auto 1/number of features",
    )
    degree: int = Field(3, ge=1, le=10, description="Degree of the polynomial kernel")


class ClassificationSettings(_Settings):
    class_weight: bool = Field(False, description="Weight classes inversely to their frequency")


class RegressionSettings(_Settings):
    epsilon: float = Field(
        0.1,
        ge=0,
        le=1e6,
        description="Errors smaller than this cost nothing (in the target's units)",
    )


class SVMClassifierLearner(LearnerNode):
    type_id = "learners.svm_classifier"
    name = "SVM Classifier"
    description = "Fits a support vector classifier with calibrated class probabilities; scale features first with a Normalizer."
    keywords = ("svm", "svc", "support vector", "kernel", "margin", "classification", "classifier")
    task = "classification"
    Settings = ClassificationSettings

    def build(self, s: ClassificationSettings):
        # Platt-scaled probabilities from 5-fold predictions, then one SVC on all rows: what
        # SVC(probability=True) did, without its deprecated internal cross-validation.
        svc = SVC(
            C=s.C,
            kernel=s.kernel,
            gamma=s.gamma,
            degree=s.degree,
            class_weight="balanced" if s.class_weight else None,
        )
        return CalibratedClassifierCV(svc, method="sigmoid", cv=5, ensemble=False)


class SVMRegressorLearner(LearnerNode):
    type_id = "learners.svm_regressor"
    name = "SVM Regressor"
    description = "Fits a support vector regressor; scale features first, and raise C for targets with large units."
    keywords = ("svm", "svr", "support vector", "kernel", "regression", "regressor")
    task = "regression"
    Settings = RegressionSettings

    def build(self, s: RegressionSettings):
        return SVR(C=s.C, kernel=s.kernel, gamma=s.gamma, degree=s.degree, epsilon=s.epsilon)
