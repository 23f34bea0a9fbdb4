"""`knotwork score --cluster` on a real Dask cluster: a folder, glob or file of CSV or
Parquet scored in partitions, in input order, equal to the bundle's own predictions."""

from __future__ import annotations

import dask
import pandas as pd
import pytest

from studio.cli.main import main
from studio.deploy import Bundle
from studio.monitor import MonitorStore
from studio.scale import partitions
from tests.conftest import TEMPLATES


@pytest.fixture(scope="module")
def rows() -> pd.DataFrame:
    """The penguins as a client sends them: every column but the target."""
    return pd.read_csv(TEMPLATES / "penguins" / "penguins.csv").drop(columns=["species"])


def _parts(rows: pd.DataFrame, folder, suffix: str, n: int = 3):
    folder.mkdir()
    size = -(-len(rows) // n)
    for i in range(n):
        part = rows.iloc[i * size : (i + 1) * size]
        if suffix == ".csv":
            part.to_csv(folder / f"part-{i}.csv", index=False)
        else:
            part.to_parquet(folder / f"part-{i}.parquet", index=False)
    return folder


def _expected(bundle_path, rows: pd.DataFrame) -> pd.DataFrame:
    return Bundle.load(bundle_path).predict(rows).reset_index(drop=True)


def test_a_folder_of_csv_parts_scored_on_the_cluster_equals_the_bundle_and_is_logged(
    tmp_path, rows, penguins_bundle, cluster_client, capsys
):
    folder = _parts(rows, tmp_path / "in", ".csv")
    out, store = tmp_path / "scored.parquet", tmp_path / "monitor.db"
    address = cluster_client.scheduler.address
    code = main(
        ["score", str(penguins_bundle), "--input", str(folder), "--output", str(out),
         "--cluster", address, "--store", str(store), "--chunk-rows", "40"]
    )  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert f"Scored {len(rows)} rows in 3 partitions on {address}" in capsys.readouterr().out
    scored = pd.read_parquet(out)
    expected = _expected(penguins_bundle, rows)
    assert list(scored.columns) == list(expected.columns)
    assert (scored["prediction"] == expected["prediction"]).all()  # input order kept
    pd.testing.assert_frame_equal(scored, expected, check_dtype=False, atol=1e-12)
    logged = MonitorStore(str(store), background=False)
    assert logged.count_rows("penguins", "1") == len(rows)
    logged.close()
    loads = cluster_client.run(lambda: partitions.loads)
    assert sum(loads.values()) <= len(loads)  # verified once per worker, not per partition


def test_a_parquet_glob_scores_into_csv_with_the_input_columns_kept(
    tmp_path, rows, penguins_bundle, cluster_client
):
    _parts(rows, tmp_path / "in", ".parquet", n=2)
    out = tmp_path / "scored.csv"
    code = main(
        ["score", str(penguins_bundle), "--input", str(tmp_path / "in" / "part-*.parquet"),
         "--output", str(out), "--cluster", cluster_client.scheduler.address,
         "--no-monitor", "--with-input"]
    )  # fmt: skip
    assert code == 0
    scored = pd.read_csv(out)
    assert list(scored.columns[: rows.shape[1]]) == list(rows.columns)
    assert len(scored) == len(rows)
    assert list(scored["prediction"]) == list(_expected(penguins_bundle, rows)["prediction"])


def test_a_bad_value_names_its_partition_row_and_column_and_writes_nothing(
    tmp_path, rows, penguins_bundle, cluster_client, capsys
):
    folder = _parts(rows, tmp_path / "in", ".csv")
    bad = pd.read_csv(folder / "part-1.csv", dtype=str, keep_default_na=False)
    bad.loc[4, "bill_length_mm"] = "long"
    bad.to_csv(folder / "part-1.csv", index=False)
    out = tmp_path / "scored.csv"
    code = main(
        ["score", str(penguins_bundle), "--input", str(folder), "--output", str(out),
         "--cluster", cluster_client.scheduler.address, "--no-monitor"]
    )  # fmt: skip
    assert code == 2
    err = capsys.readouterr().err
    assert "partition 1, row 4 of it, column 'bill_length_mm'" in err
    assert not out.exists() and list(tmp_path.glob(".scored.csv.*")) == []


def test_an_input_pattern_matching_nothing_is_refused_before_a_cluster_starts(
    tmp_path, penguins_bundle, capsys
):
    code = main(
        ["score", str(penguins_bundle), "--input", str(tmp_path / "none-*.csv"),
         "--output", str(tmp_path / "o.csv"), "--cluster", "local:1"]
    )  # fmt: skip
    assert code == 2
    assert "no file matches this pattern" in capsys.readouterr().err


def test_an_unreachable_scheduler_is_a_usage_error_naming_it(
    tmp_path, rows, penguins_bundle, capsys
):
    rows.to_csv(tmp_path / "rows.csv", index=False)
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        code = main(
            ["score", str(penguins_bundle), "--input", str(tmp_path / "rows.csv"),
             "--output", str(tmp_path / "o.csv"), "--cluster", "tcp://127.0.0.1:9"]
        )  # fmt: skip
    assert code == 2
    assert "cannot reach the Dask scheduler" in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()
