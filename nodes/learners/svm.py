"""Support Vector Machine: a maximum-margin boundary, linear or through a kernel; strong
on small and medium tables once features share a scale (add a Normalizer)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sklearn.calibration import CalibratedClassifierCV
from sklearn.svm import SVC, SVR

from .base import (
    ClassifierLearner,
    ClassWeightField,
    RegressorLearner,
    SupervisedSettings,
    balanced,
)


class KernelSettings(SupervisedSettings):
    """The regularisation and kernel the classifier and the regressor share."""

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

    def estimator_params(self) -> dict[str, Any]:
        """These settings as the scikit-learn arguments SVC and SVR both take."""
        return {"C": self.C, "kernel": self.kernel, "gamma": self.gamma, "degree": self.degree}


class ClassificationSettings(KernelSettings):
    class_weight: bool = ClassWeightField()


class RegressionSettings(KernelSettings):
    epsilon: float = Field(
        0.1,
        ge=0,
        le=1e6,
        description="Errors smaller than this cost nothing (in the target's units)",
    )


class SVMClassifierLearner(ClassifierLearner):
    type_id = "learners.svm_classifier"
    name = "SVM Classifier"
    description = "Fits a support vector classifier with calibrated class probabilities; scale features first with a Normalizer."
    keywords = ("svm", "svc", "support vector", "kernel", "margin", "classification", "classifier")
    Settings = ClassificationSettings

    def build(self, s: ClassificationSettings):
        # Platt-scaled probabilities from 5-fold predictions, then one SVC on all rows: what
        # SVC(probability=True) did, without its deprecated internal cross-validation.
        svc = SVC(**s.estimator_params(), class_weight=balanced(s.class_weight))
        return CalibratedClassifierCV(svc, method="sigmoid", cv=5, ensemble=False)


class SVMRegressorLearner(RegressorLearner):
    type_id = "learners.svm_regressor"
    name = "SVM Regressor"
    description = "Fits a support vector regressor; scale features first, and raise C for targets with large units."
    keywords = ("svm", "svr", "support vector", "kernel", "regression", "regressor")
    Settings = RegressionSettings

    def build(self, s: RegressionSettings):
        return SVR(**s.estimator_params(), epsilon=s.epsilon)
