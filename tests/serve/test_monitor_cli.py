"""`knotwork score` logging to the store and `knotwork monitor status | replay |
alert-rules | report` on a real bundle and real stores (SQLite, and PostgreSQL when
one is configured): exit 0 all ok, 3 a monitor alerts, 2 bad usage."""

from __future__ import annotations

import json
import time
import uuid

import pandas as pd
import pytest
import sqlalchemy as sa
import yaml

from studio.cli.main import main
from studio.monitor import MonitorStore

from ..registry.conftest import postgres_url

SHIFTED = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")


@pytest.fixture(scope="module")
def files(bundle, tmp_path_factory):
    """The training rows (with the species) and the same rows with planted drift."""
    folder = tmp_path_factory.mktemp("rows")
    ref = bundle.reference_sample()[[*bundle.input_schema.names, "species"]]
    ref.to_csv(folder / "reference.csv", index=False)
    drifted = ref.copy()
    for col in SHIFTED:
        drifted[col] = drifted[col] * 3
    drifted.to_csv(folder / "drifted.csv", index=False)
    return folder / "reference.csv", folder / "drifted.csv"


def _score(bundle_path, rows, store, tmp_path, *extra) -> int:
    out = tmp_path / f"scored-{uuid.uuid4().hex[:6]}.csv"
    return main(
        [
            "score",
            str(bundle_path),
            "--input",
            str(rows),
            "--output",
            str(out),
            "--store",
            str(store),
            *extra,
        ]
    )


def test_status_is_0_on_training_rows_and_3_on_drifted_rows(bundle_path, files, tmp_path, capsys):
    reference, drifted = files
    calm, moved = tmp_path / "calm.db", tmp_path / "moved.db"
    assert _score(bundle_path, reference, calm, tmp_path) == 0
    assert "logged to" in capsys.readouterr().out
    assert _score(bundle_path, drifted, moved, tmp_path) == 0
    capsys.readouterr()

    assert main(["monitor", "status", str(bundle_path), "--store", str(calm)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].split() == [
        "MONITOR",
        "COLUMN",
        "STATISTIC",
        "THRESHOLD",
        "VERDICT",
        "WINDOW",
    ]
    assert "bill_length_mm (ks)" in table and "penguins version 1: ok" in table
    assert "default Drift Monitor" in table

    assert main(["monitor", "status", str(bundle_path), "--store", str(moved), "--json"]) == 3
    body = json.loads(capsys.readouterr().out)
    assert body["verdict"] == "alert"
    columns = {c["column"]: c for c in body["monitors"][0]["drift"]["columns"]}
    assert all(columns[c]["drifted"] for c in SHIFTED)
    assert body["monitors"][0]["window"]["n_rows"] == len(pd.read_csv(drifted))


def test_status_is_2_on_bad_usage(bundle_path, tmp_path, capsys):
    assert main(["monitor", "status", str(bundle_path), "--store", str(tmp_path / "none.db")]) == 2
    assert "no monitoring store at" in capsys.readouterr().err
    assert main(["monitor", "status", str(bundle_path), "--store", "nosuch://x/y"]) == 2
    assert "monitoring store" in capsys.readouterr().err
    assert main(["monitor", "status", str(tmp_path / "missing-bundle")]) == 2
    assert "no such bundle" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["monitor", "status"])
    assert exit_.value.code == 2


def test_score_with_no_monitor_logs_nothing(bundle_path, files, tmp_path, capsys):
    store = tmp_path / "unused.db"
    assert _score(bundle_path, files[0], store, tmp_path, "--no-monitor") == 0
    assert not store.exists() and "logged" not in capsys.readouterr().out


def test_score_logs_every_row_once_per_chunk(bundle_path, bundle, files, tmp_path):
    store_path = tmp_path / "chunks.db"
    assert _score(bundle_path, files[0], store_path, tmp_path, "--chunk-rows", "25") == 0
    store = MonitorStore(store_path, background=False)
    rows = pd.concat(store.iter_rows("penguins", "1"))
    store.close()
    n = len(pd.read_csv(files[0]))
    assert len(rows) == n and rows["_request_id"].nunique() == -(-n // 25)
    assert {"prediction", "probability_Adelie", *bundle.input_schema.names} <= set(rows.columns)


def test_replay_evaluates_a_file_offline(bundle_path, files, capsys):
    reference, drifted = files
    argv = ["monitor", "replay", str(bundle_path), "--truth", "species", "--json"]
    assert main([*argv, "--input", str(reference)]) == 0
    assert json.loads(capsys.readouterr().out)["verdict"] == "ok"
    assert main([*argv, "--input", str(drifted)]) == 3
    assert json.loads(capsys.readouterr().out)["verdict"] == "alert"
    assert main([*argv[:3], "--input", str(reference), "--truth", "colour"]) == 2
    assert "--truth colour: no such column" in capsys.readouterr().err


def test_alert_rules_are_prometheus_rules_for_the_gauges(bundle_path, tmp_path, capsys):
    out = tmp_path / "rules.yml"
    assert main(["monitor", "alert-rules", str(bundle_path), "--output", str(out)]) == 0
    doc = yaml.safe_load(out.read_text())
    (group,) = doc["groups"]
    exprs = {r["alert"]: r["expr"] for r in group["rules"]}
    assert (
        exprs["KnotworkDriftAlert"]
        == 'knotwork_monitor_verdict{model="penguins", monitor="Drift"} >= 2'
    )
    assert "knotwork_monitor_dropped_rows_total" in exprs["KnotworkMonitorRowsDropped"]
    assert all(set(r) >= {"alert", "expr", "for", "labels", "annotations"} for r in group["rules"])


@pytest.fixture(scope="module")
def postgres_store():
    base = postgres_url()
    if not base:
        pytest.skip(
            "KNOTWORK_TEST_POSTGRES_URL is not set (start one with `bash .ci/postgres.sh start`)"
        )
    name = f"kw_mcli_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield base.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as c:
        c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_score_then_status_on_postgresql(bundle_path, files, postgres_store, tmp_path, capsys):
    assert _score(bundle_path, files[1], postgres_store, tmp_path) == 0
    assert main(["monitor", "status", str(bundle_path), "--store", postgres_store]) == 3
    out = capsys.readouterr().out
    assert "penguins version 1: alert" in out


def test_report_is_one_html_page_with_plots_history_and_assumptions(
    bundle_path, bundle, files, tmp_path, capsys
):
    from studio.monitor import evaluate
    from studio.monitor.bundle import prepare_bundle_monitors

    store_path = tmp_path / "report.db"
    assert _score(bundle_path, files[1], store_path, tmp_path) == 0
    store = MonitorStore(store_path, background=False)
    monitors = prepare_bundle_monitors(bundle)
    for at in (1_000.0, 2_000.0):  # an evaluation history, as a server records it
        evaluate(monitors, store, "penguins", "1", now=time.time() + at)
    store.close()
    out = tmp_path / "report.html"
    argv = ["monitor", "report", str(bundle_path), "--store", str(store_path)]
    assert main([*argv, "--output", str(out)]) == 3
    page = out.read_text()
    assert page.startswith("<!doctype html>") and "</html>" in page
    assert page.count("data:image/png;base64,") == 2  # distributions, statistics over time
    assert "Reference vs current" in page and "Statistics over time" in page
    assert "no concept drift" in page and "bill_length_mm (ks)" in page
    assert 'src="http' not in page  # self-contained
    assert not list(tmp_path.glob(".report.html.*"))  # written atomically, no leftovers
