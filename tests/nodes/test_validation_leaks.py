"""Leaks the Validation Report must stop, planted in real public data (scikit-learn's
diabetes study, Palmer penguins): imperfect copies of the target, near-duplicate rows
across the split, row numbers that predict the target, and test rows older than training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nodes.validation.row_leaks import near_copies
from studio.core import Table
from tests.nodes.test_validation_report import FEATURES, fitted, logreg, report, split


@pytest.fixture(scope="module")
def diabetes_high() -> pd.DataFrame:
    """Diabetes progression above the median ("high") or not: ten ordinary measurements
    that predict it moderately well (balanced accuracy about 0.74)."""
    from sklearn.datasets import load_diabetes

    df = load_diabetes(as_frame=True, scaled=False).frame
    return df.assign(target=np.where(df["target"] > df["target"].median(), "high", "low"))


MEASURES = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]


def with_recoded_target(df: pd.DataFrame, agreement: float, seed: int = 0) -> pd.DataFrame:
    """A column equal to the target recoded as 0/1, with (1 - agreement) of it flipped."""
    code = (df["target"] == "high").astype(int)
    flip = np.random.default_rng(seed).random(len(df)) > agreement
    return df.assign(progression_flag=np.where(flip, 1 - code, code))


def leakage_of(df: pd.DataFrame, features: list[str], **settings):
    train, test, _ = split(Table(df, {"target": "target"}))
    checks, _, _, _ = report(fitted(logreg(), train, features), train, test, **settings)
    return checks


def test_the_target_recoded_with_3_percent_flipped_fails_naming_column_scores_and_runner_up(
    diabetes_high,
):
    """The issue's scenario: the column alone scores what the whole model scores, which the
    absolute limit (0.98) rated only a warning."""
    checks = leakage_of(with_recoded_target(diabetes_high, 0.97), [*MEASURES, "progression_flag"])
    leak = checks["target leakage"]
    assert leak["status"] == "fail"
    assert leak["value"] < 0.98  # the absolute limit alone would not have failed it
    message = leak["message"]
    assert "'progression_flag' alone reaches balanced accuracy 0.970" in message
    assert "of the model's 0.970" in message
    assert "the runner-up 's5' 0.706" in message


@pytest.mark.parametrize("agreement", [0.90, 0.95, 0.97, 0.99])
def test_planted_leaks_from_90_to_99_percent_agreement_are_failed(diabetes_high, agreement):
    checks = leakage_of(
        with_recoded_target(diabetes_high, agreement), [*MEASURES, "progression_flag"]
    )
    assert checks["target leakage"]["status"] == "fail"
    assert "'progression_flag'" in checks["target leakage"]["message"]


def test_the_same_measurements_without_the_planted_column_pass(diabetes_high):
    checks = leakage_of(diabetes_high, MEASURES)
    assert checks["target leakage"]["status"] == "pass"


def test_a_model_of_one_honest_feature_is_not_called_a_leak_of_itself(penguins_clean):
    train, test, _ = split(penguins_clean)
    checks, _, _, _ = report(fitted(logreg(), train, ["flipper_length_mm"]), train, test)
    assert checks["target leakage"]["status"] == "pass"
    assert "no other feature" in checks["target leakage"]["message"]


def test_dropping_the_leaking_column_collapses_the_refitted_model(diabetes_high):
    """With the relative rule switched off, the drop-column refit still finds the leak."""
    checks = leakage_of(
        with_recoded_target(diabetes_high, 0.90),
        [*MEASURES, "progression_flag"],
        leakage_share=1.0,
    )
    leak = checks["target leakage"]
    assert leak["status"] == "fail"
    assert (
        "without 'progression_flag' the refitted model scores balanced accuracy" in leak["message"]
    )
    assert "far above" not in leak["message"]


def test_a_strong_legitimate_feature_near_08_of_a_perfect_model_is_not_failed():
    """Wine cultivars (scikit-learn): the model is nearly perfect and flavanoids alone reach
    about 0.9 of it; refitted without them the model keeps its score, so it is no leak."""
    from sklearn.datasets import load_wine

    df = load_wine(as_frame=True).frame
    df["target"] = df["target"].map(lambda i: f"cultivar {i}")
    features = [c for c in df.columns if c != "target"]
    train, test, _ = split(Table(df, {"target": "target"}))
    checks, result, _, _ = report(fitted(logreg(), train, features), train, test)
    leak = checks["target leakage"]
    assert result["scores"]["test"] > 0.97
    assert 0.8 < leak["value"] < 0.9
    assert leak["status"] == "pass"
    assert "refitted without 'flavanoids' the model loses 0% of its lead" in leak["message"]


def test_rows_equal_to_training_rows_after_rounding_are_near_duplicates(penguins_clean):
    train, test, _ = split(penguins_clean)
    copies = train.df.iloc[:10].copy()
    copies["bill_length_mm"] += 0.001  # a re-export with float noise: no longer an exact copy
    copies["body_mass_g"] *= 1.0001
    leaked = test.with_df(pd.concat([test.df.iloc[10:], copies]))
    checks, _, _, _ = report(fitted(logreg(), train, FEATURES), train, leaked)
    assert checks["held-out rows (test)"]["status"] == "pass"  # the exact check sees nothing
    near = checks["near-duplicate rows (test)"]
    assert near["status"] == "fail"
    assert near["message"].startswith(f"10 of {len(leaked.df)} test rows")
    clean, _, _, _ = report(fitted(logreg(), train, FEATURES), train, test)
    assert clean["near-duplicate rows (test)"]["status"] == "pass"


def test_text_is_compared_case_and_space_blind_and_numbers_within_the_tolerance():
    train = pd.DataFrame({"island": ["Biscoe", "Dream", "Dream"], "mass": [3725.0, 3000.0, 5000]})
    held = pd.DataFrame(
        {"island": [" biscoe ", "DREAM", "Biscoe", "Dream"], "mass": [3725.4, 3000.0, 3000.0, 4000]}
    )
    # std of the training masses is 821: 0.4 g is within 0.001 of it, 1000 g is not
    assert near_copies(train, held, 0.001).tolist() == [True, True, False, False]
    assert near_copies(train, held, 0.0).tolist() == [False, True, False, False]


def test_a_row_number_that_predicts_the_target_fails_as_an_id_leak(penguins_clean):
    """Rows numbered after sorting by species: the number alone tells the species."""
    df = penguins_clean.df.sort_values("species", kind="stable").reset_index(drop=True)
    df["record_no"] = np.arange(1, len(df) + 1)
    train, test, _ = split(penguins_clean.with_df(df))
    checks, _, _, _ = report(fitted(logreg(), train, ["bill_depth_mm", "record_no"]), train, test)
    ids = checks["id-like features"]
    assert ids["status"] == "fail"
    assert "'record_no' is unique per row in a dense range of whole numbers" in ids["message"]


def test_a_shuffled_record_number_is_id_like_but_harmless(penguins_clean):
    df = penguins_clean.df.assign(
        record_no=np.random.default_rng(3).permutation(len(penguins_clean.df)) + 1000
    )
    train, test, _ = split(penguins_clean.with_df(df))
    checks, _, _, _ = report(fitted(logreg(), train, [*FEATURES, "record_no"]), train, test)
    assert checks["id-like features"]["status"] == "pass"
    assert "'record_no'" in checks["id-like features"]["message"]


def test_test_rows_older_than_training_rows_fail_when_the_table_has_a_time_column(
    penguins_clean,
):
    table = Table(penguins_clean.df, {"species": "target", "year": "time"})
    model_of = lambda tr: fitted(logreg(), tr, FEATURES)  # noqa: E731
    train, test, _ = split(table, method="random")
    checks, _, _, _ = report(model_of(train), train, test)
    order = checks["time order (test)"]
    assert order["status"] == "fail"
    assert "'year' before the latest training row (2009)" in order["message"]
    train, test, _ = split(table, method="time", column="year")
    checks, _, _, _ = report(model_of(train), train, test)
    assert checks["time order (test)"]["status"] == "pass"


def test_without_a_time_role_no_time_order_is_judged(penguins_clean):
    train, test, _ = split(penguins_clean)
    checks, _, _, _ = report(fitted(logreg(), train, FEATURES), train, test)
    assert not any(name.startswith("time order") for name in checks)
