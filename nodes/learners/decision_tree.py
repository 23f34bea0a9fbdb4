"""Decision Tree: if-then splits on feature thresholds, readable and needing no
scaling, but prone to overfitting unless its depth or leaf size is limited."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from .base import (
    ClassifierLearner,
    ClassWeightField,
    RegressorLearner,
    SupervisedSettings,
    balanced,
)

KEYWORDS = ("decision tree", "tree", "cart")


class TreeSettings(SupervisedSettings):
    """The size limits and seed the classifier and the regressor share."""

    max_depth: int | None = Field(
        None, ge=1, le=100, description="Deepest allowed tree (empty: grow until leaves are pure)"
    )
    min_samples_split: int = Field(
        2, ge=2, le=10_000, description="Fewest rows a node needs to be split"
    )
    min_samples_leaf: int = Field(
        1, ge=1, le=10_000, description="Fewest rows in a leaf (larger: smoother, less overfitting)"
    )
    seed: int = Field(
        42, ge=0, description="Random seed for tie-breaking between equally good splits"
    )

    def estimator_params(self) -> dict[str, Any]:
        """These settings as the scikit-learn arguments both trees take."""
        return {
            "max_depth": self.max_depth,
            "min_samples_split": self.min_samples_split,
            "min_samples_leaf": self.min_samples_leaf,
            "random_state": self.seed,
        }


class ClassificationSettings(TreeSettings):
    criterion: Literal["gini", "entropy", "log_loss"] = Field(
        "gini", description="How a split's quality is measured"
    )
    class_weight: bool = ClassWeightField()


class RegressionSettings(TreeSettings):
    pass


class DecisionTreeClassifierLearner(ClassifierLearner):
    type_id = "learners.decision_tree_classifier"
    name = "Decision Tree Classifier"
    description = (
        "Fits a decision tree classifier; limit max_depth or min_samples_leaf to curb overfitting."
    )
    keywords = (*KEYWORDS, "classification", "classifier")
    Settings = ClassificationSettings

    def build(self, s: ClassificationSettings):
        return DecisionTreeClassifier(
            **s.estimator_params(), criterion=s.criterion, class_weight=balanced(s.class_weight)
        )


class DecisionTreeRegressorLearner(RegressorLearner):
    type_id = "learners.decision_tree_regressor"
    name = "Decision Tree Regressor"
    description = (
        "Fits a decision tree regressor; limit max_depth or min_samples_leaf to curb overfitting."
    )
    keywords = (*KEYWORDS, "regression", "regressor")
    Settings = RegressionSettings

    def build(self, s: RegressionSettings):
        return DecisionTreeRegressor(**s.estimator_params())
