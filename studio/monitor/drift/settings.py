"""Drift settings: which test each column gets and when it counts as drifted.

A pydantic model so the Drift Monitor node can expose it as its dialog and the bundle can
carry it in `manifest.json`. "auto" picks the issue's defaults by column kind and
reference size (see `choose_test`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

Kind = Literal["numeric", "categorical", "binary"]
TestName = Literal["ks", "chi2", "z", "wasserstein", "jensenshannon", "psi"]
TestChoice = Literal["auto", "ks", "chi2", "z", "wasserstein", "jensenshannon", "psi"]

# Tests that need the raw values of a numeric column (the others work on counts).
VALUE_TESTS = ("ks", "wasserstein")
# Tests that judge by p-value; the others by a distance against a threshold.
P_VALUE_TESTS = ("ks", "chi2", "z")


class DriftSettings(BaseModel):
    numeric_test: TestChoice = Field(
        "auto",
        description="Test for numeric columns (auto: KS on small references, else Wasserstein)",
    )
    categorical_test: TestChoice = Field(
        "auto", description="Test for categorical columns (auto: chi-square, else Jensen-Shannon)"
    )
    binary_test: TestChoice = Field(
        "auto", description="Test for two-valued columns (auto: Z-test, else Jensen-Shannon)"
    )
    column_tests: dict[str, TestName] = Field(
        default_factory=dict, description="A test per column, overriding the kind's choice"
    )
    small_reference_rows: int = Field(
        1000, ge=1, description="References up to this many rows use the p-value tests"
    )
    numeric_min_distinct: int = Field(
        5, ge=2, description="A numeric column needs more distinct values than this to be numeric"
    )
    p_value: float = Field(0.05, gt=0, lt=1, description="Drift when the p-value is below this")
    wasserstein_threshold: float = Field(
        0.1, gt=0, description="Drift when Wasserstein / reference std reaches this"
    )
    jensenshannon_threshold: float = Field(
        0.1, gt=0, le=1, description="Drift when the Jensen-Shannon distance reaches this"
    )
    psi_warn: float = Field(0.1, gt=0, description="PSI warning level")
    psi_drift: float = Field(0.25, gt=0, description="PSI drift level")
    drift_share: float = Field(
        0.5, gt=0, le=1, description="Dataset drift when this share of columns drifted"
    )
    bins: int = Field(
        10, ge=2, le=100, description="Reference-quantile bins for numeric JS, PSI and chi-square"
    )
    exact_rows: int = Field(
        100_000,
        ge=1_000,
        description="KS and Wasserstein are exact up to this many current rows, then on a uniform sample of this size",
    )

    @model_validator(mode="after")
    def _psi_levels(self) -> DriftSettings:
        if self.psi_warn > self.psi_drift:
            raise ValueError(
                f"psi_warn ({self.psi_warn}) must not exceed psi_drift ({self.psi_drift})"
            )
        return self

    def choose_test(self, column: str, kind: Kind, n_reference: int) -> TestName:
        """The issue's defaults: p-value tests on small references, distances on large ones."""
        if column in self.column_tests:
            return self.column_tests[column]
        chosen = {
            "numeric": self.numeric_test,
            "categorical": self.categorical_test,
            "binary": self.binary_test,
        }[kind]
        if chosen != "auto":
            return chosen
        small = n_reference <= self.small_reference_rows
        if kind == "numeric":
            return "ks" if small else "wasserstein"
        if kind == "binary":
            return "z" if small else "jensenshannon"
        return "chi2" if small else "jensenshannon"

    def threshold(self, test: TestName) -> float:
        if test in P_VALUE_TESTS:
            return self.p_value
        return {
            "wasserstein": self.wasserstein_threshold,
            "jensenshannon": self.jensenshannon_threshold,
            "psi": self.psi_drift,
        }[test]
