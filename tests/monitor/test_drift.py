from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from studio.monitor import DriftSettings, MonitorError, Verdict, detect_drift
from studio.monitor.drift import ReferenceProfile, ValueSample

from .conftest import table


def test_default_tests_follow_column_kind_and_reference_size():
    small = ReferenceProfile.from_frame(table(500, 1), DriftSettings())
    large = ReferenceProfile.from_frame(table(5000, 1), DriftSettings())
    kinds = {c: (p.kind, p.test) for c, p in small.columns.items()}
    assert kinds == {
        "age": ("numeric", "ks"),
        "income": ("numeric", "ks"),
        "plan": ("categorical", "chi2"),
        "children": ("categorical", "chi2"),  # 4 distinct values: low cardinality
        "member": ("binary", "z"),
    }
    assert {c: p.test for c, p in large.columns.items()} == {
        "age": "wasserstein",
        "income": "wasserstein",
        "plan": "jensenshannon",
        "children": "jensenshannon",
        "member": "jensenshannon",
    }


@pytest.mark.parametrize("n_reference", [800, 5000])
def test_a_mean_shifted_by_half_a_std_is_detected_in_that_column_only(n_reference):
    result = detect_drift(table(n_reference, 1), table(2000, 2, shift=0.5))
    assert result.column("age").drifted and result.column("age").verdict is Verdict.ALERT
    assert [c.column for c in result.columns if c.drifted] == ["age"]
    assert not result.drifted  # one of five columns: below the 0.5 dataset share


def test_a_dataset_alert_needs_the_configured_share_of_drifted_columns():
    current = table(2000, 2, shift=0.5).assign(plan="pro", member=True)
    result = detect_drift(table(800, 1), current)
    assert result.drifted_share == pytest.approx(3 / 5)
    assert result.drifted and result.verdict is Verdict.ALERT
    strict = detect_drift(table(800, 1), current, DriftSettings(drift_share=0.8))
    assert not strict.drifted


@pytest.mark.parametrize("n_reference", [600, 3000])
def test_windows_from_the_reference_distribution_rarely_raise_a_dataset_alert(n_reference):
    reference = ReferenceProfile.from_frame(table(n_reference, 1), DriftSettings())
    alerts = sum(detect_drift(reference, table(500, 100 + seed)).drifted for seed in range(100))
    assert alerts <= 5


def test_each_statistic_equals_scipy_on_the_same_arrays():
    ref, cur = table(700, 1), table(900, 2, shift=0.3)
    tests = {"age": "ks", "income": "wasserstein", "plan": "chi2", "member": "z"}
    result = detect_drift(ref, cur, DriftSettings(column_tests=tests))
    ks = stats.ks_2samp(ref["age"], cur["age"])
    assert result.column("age").statistic == ks.statistic
    assert result.column("age").p_value == ks.pvalue
    wd = stats.wasserstein_distance(ref["income"], cur["income"]) / np.std(ref["income"])
    assert result.column("income").statistic == pytest.approx(wd, rel=1e-12)
    crosstab = pd.crosstab(
        np.r_[np.zeros(len(ref)), np.ones(len(cur))], np.r_[ref["plan"], cur["plan"]]
    )
    chi = stats.chi2_contingency(crosstab.to_numpy())
    assert result.column("plan").statistic == pytest.approx(chi.statistic, rel=1e-12)
    assert result.column("plan").p_value == pytest.approx(chi.pvalue, rel=1e-12)
    p1, p2 = ref["member"].mean(), cur["member"].mean()
    pooled = (ref["member"].sum() + cur["member"].sum()) / (len(ref) + len(cur))
    z = (p2 - p1) / np.sqrt(pooled * (1 - pooled) * (1 / len(ref) + 1 / len(cur)))
    assert result.column("member").statistic == pytest.approx(z, rel=1e-12)
    assert result.column("member").p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-9)


def test_binned_statistics_equal_scipy_on_reference_quantile_bins():
    ref, cur = table(3000, 1), table(4000, 2, shift=0.3)
    settings = DriftSettings(column_tests={"age": "jensenshannon", "income": "psi"})
    result = detect_drift(ref, cur, settings)
    inner = np.unique(np.quantile(ref["age"], np.linspace(0, 1, 11)[1:-1]))
    edges = np.r_[-np.inf, inner, np.inf]
    h_ref = np.histogram(ref["age"], edges)[0] / len(ref)
    h_cur = np.histogram(cur["age"], edges)[0] / len(cur)
    assert result.column("age").statistic == pytest.approx(jensenshannon(h_ref, h_cur), rel=1e-9)
    plan = detect_drift(ref, cur.assign(plan=cur["plan"].where(cur.index % 7 > 0, "enterprise")))
    shares = [np.mean(ref["plan"] == k) for k in ("basic", "plus", "pro")] + [0.0]
    mixed = cur["plan"].where(cur.index % 7 > 0, "enterprise")
    cur_shares = [np.mean(mixed == k) for k in ("basic", "plus", "pro", "enterprise")]
    assert plan.column("plan").statistic == pytest.approx(jensenshannon(shares, cur_shares))
    assert result.column("income").test == "psi"


def test_psi_warns_between_its_two_levels():
    ref = table(3000, 1)
    settings = DriftSettings(column_tests={"age": "psi"}, psi_warn=0.01, psi_drift=0.9)
    result = detect_drift(ref, table(3000, 2, shift=0.3), settings)
    assert result.column("age").verdict is Verdict.WARN and not result.column("age").drifted


def test_streamed_chunks_give_the_same_result_as_one_frame():
    ref, cur = table(700, 1), table(5000, 2, shift=0.2)
    whole = detect_drift(ref, cur)
    chunks = detect_drift(ref, (cur.iloc[i : i + 333] for i in range(0, len(cur), 333)))
    assert chunks == whole


def test_beyond_the_exact_bound_ks_runs_on_a_uniform_sample_of_that_size():
    sample = ValueSample(1000, np.random.default_rng(0))
    for i in range(50):
        sample.add(np.arange(i * 1000, (i + 1) * 1000, dtype=float))
    values = sample.values()
    assert len(values) == 1000 and not sample.exact and len(np.unique(values)) == 1000
    assert 20_000 < values.mean() < 30_000  # spread over all chunks, not the first ones
    ref, cur = table(800, 1), table(30_000, 2, shift=0.5)
    result = detect_drift(ref, cur, DriftSettings(exact_rows=5000))
    assert result.column("age").drifted and result.column("age").n_current == 30_000


def test_too_few_rows_are_not_enough_data_never_ok():
    result = detect_drift(table(800, 1), table(10, 2), min_rows=30)
    assert result.verdict is Verdict.NO_DATA
    assert {c.verdict for c in result.columns} == {Verdict.NO_DATA}
    assert all(c.statistic is None for c in result.columns)


def test_unseen_categories_fall_into_the_other_bucket_and_drift():
    ref = table(800, 1)
    cur = table(800, 2).assign(plan="enterprise")
    assert detect_drift(ref, cur).column("plan").drifted


def test_a_test_that_does_not_fit_the_column_names_it():
    with pytest.raises(MonitorError, match="column 'plan': the ks test needs a numeric column"):
        detect_drift(table(100, 1), table(100, 2), DriftSettings(column_tests={"plan": "ks"}))
    with pytest.raises(MonitorError, match=r"\['salary'\] are not in the reference"):
        detect_drift(table(100, 1), table(100, 2), columns=["age", "salary"])
    with pytest.raises(MonitorError, match=r"\['age'\] are not in the current rows"):
        detect_drift(table(100, 1), table(100, 2).drop(columns="age"))


def test_logged_json_values_compare_with_typed_reference_columns():
    ref = table(800, 1)
    logged = table(800, 2).astype(object)  # as read back from JSON: ints, bools, strings
    logged["children"] = logged["children"].map(int)
    assert detect_drift(ref, logged) == detect_drift(ref, table(800, 2))
