"""The library as a Python user calls it: wrong types are one-line errors, time columns
compare across units, a summary's KS p-value is scipy's, and what the README promises of
``to_dict`` and ``Profile.load`` holds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scipy import stats

import driftcli
from driftcli import Profile, UsageError
from driftcli.stattests.ks import ks_pvalue_auto, reachable


@pytest.fixture(scope="module")
def examples_dir():
    from conftest import EXAMPLES

    return EXAMPLES


@pytest.fixture(scope="module")
def frames(examples_dir):
    return (
        pd.read_parquet(examples_dir / "reference.parquet"),
        pd.read_parquet(examples_dir / "current.parquet"),
    )


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"drift_share": None}, "must be a finite number, got None"),
        ({"fail_on": 1}, "must be a list of names"),
        ({"columns": 5}, "must be a list of names"),
        ({"ignore": 5}, "must be a list of names"),
        ({"column_overrides": [1]}, "column_overrides must map column names"),
        ({"multivariate": "no"}, "must be true or false, got 'no'"),
        ({"constant_check": "false"}, "must be true or false"),
        ({"stattest": 3}, "must be a column or test name"),
    ],
)
def test_a_setting_of_the_wrong_type_is_a_usage_error(frames, options, needle):
    ref, cur = frames
    with pytest.raises(UsageError, match=needle.replace("(", r"\(")):
        driftcli.compare(ref, cur, **options)


def test_lists_may_be_tuples_or_comma_separated_text(frames):
    ref, cur = frames
    a = driftcli.compare(ref, cur, columns=("age", "income"), fail_on="column,dataset")
    assert [c.name for c in a.columns] == ["age", "income"]
    assert a.settings["fail_on"] == ["column", "dataset"]


def test_time_columns_compare_in_one_unit(examples_dir, tmp_path):
    ref = pq.read_table(examples_dir / "reference.parquet")
    cur = pq.read_table(examples_dir / "current.parquet")

    def in_unit(table: pa.Table, unit: str) -> pa.Table:
        i = table.schema.get_field_index("signup_date")
        return table.set_column(i, "signup_date", table["signup_date"].cast(pa.timestamp(unit)))

    opts = {"numerical": ["signup_date"], "columns": ["signup_date"], "stattest": "ks"}
    same = driftcli.compare(in_unit(ref, "us"), in_unit(ref, "ns"), **opts)
    assert same.column("signup_date").statistic == 0 and not same.column("signup_date").drift
    a = driftcli.compare(in_unit(ref, "us"), in_unit(cur, "us"), **opts).column("signup_date")
    for left, right in (("us", "ns"), ("ns", "s"), ("ms", "us")):
        b = driftcli.compare(in_unit(ref, left), in_unit(cur, right), **opts).column("signup_date")
        assert (b.statistic, b.p_value) == (a.statistic, a.p_value), (left, right)
    x = ref["signup_date"].cast(pa.int64()).to_numpy()
    y = cur["signup_date"].cast(pa.int64()).to_numpy()
    assert a.p_value == pytest.approx(stats.ks_2samp(x, y).pvalue, rel=1e-12)
    # merging profiles of two units gives the profile of the union, in nanoseconds
    merged = driftcli.profile(in_unit(ref, "us")).merge(driftcli.profile(in_unit(cur, "ns")))
    col = merged.columns["signup_date"]
    assert col.type == pa.timestamp("ns")
    assert col.numeric.moments.min == min(x.min(), y.min()) * 1000


def test_reachable_ks_statistics_give_scipys_pvalue():
    rng = np.random.default_rng(3)
    for _ in range(300):
        n, m = (int(v) for v in rng.integers(1, 90, 2))
        x = rng.integers(0, 9, n).astype(float)
        y = rng.normal(size=m).round(1)
        res = stats.ks_2samp(x, y)
        for up in (True, False):
            assert ks_pvalue_auto(res.statistic, n, m, up=up) == pytest.approx(res.pvalue, 1e-12)
        k, j = reachable(res.statistic + 1e-6, n, m, up=True)
        assert k / n - j / m >= res.statistic
        k, j = reachable(res.statistic - 1e-6, n, m, up=False)
        assert k / n - j / m <= res.statistic


def test_a_summarized_ks_column_keeps_scipys_exact_pvalue(frames):
    ref, cur = frames
    opts = {"stattest": "ks", "threshold": 0.48, "columns": ["age"]}
    exact = driftcli.compare(ref, cur, **opts).column("age")
    summarized = driftcli.compare(ref, cur, exact_limit=10, **opts).column("age")
    assert summarized.p_value == pytest.approx(exact.p_value, rel=1e-12)
    assert summarized.drift == exact.drift
    lo, hi = summarized.p_value_interval
    assert lo <= exact.p_value <= hi


def test_to_dict_has_every_documented_key(frames):
    ref, cur = frames
    d = driftcli.compare(ref, cur).to_dict()
    assert d["delivery"] is None  # only the command sends alerts
    assert list(d)[-1] == "delivery"


def test_profile_load_of_a_missing_file_says_not_found(tmp_path):
    with pytest.raises(driftcli.InputError, match="profile file not found"):
        Profile.load(tmp_path / "nope.profile")


def test_a_profile_object_without_model_columns_says_so(examples_dir):
    ref = driftcli.profile(examples_dir / "churn_reference.parquet")
    with pytest.raises(UsageError, match="the reference profile: the profile holds no model"):
        driftcli.compare(
            ref,
            examples_dir / "churn_current.parquet",
            target="churned",
            prediction="predicted_churn",
        )
    assert driftcli.ResourceError.__mro__[1] is driftcli.DriftcliError


def test_the_multivariate_check_meets_time_columns_in_one_unit(examples_dir):
    ref = pq.read_table(examples_dir / "reference.parquet")
    i = ref.schema.get_field_index("signup_date")
    ns = ref.set_column(i, "signup_date", ref["signup_date"].cast(pa.timestamp("ns")))
    opts = {"numerical": ["signup_date"], "multivariate": True, "fail_on": ["multivariate"]}
    result = driftcli.compare(ref, ns, **opts)  # the same rows: seconds apart by 1e3 before
    assert result.exit_code == 0 and not result.multivariate["drift"]
