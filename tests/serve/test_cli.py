"""`knotwork score` (batch files) and `knotwork serve` (a real process on 127.0.0.1)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time

import httpx
import pandas as pd
import pytest

from studio.cli.main import main

from .conftest import OUTPUTS, PENGUINS, TOKEN, free_port


@pytest.fixture
def penguin_rows(bundle) -> pd.DataFrame:
    return pd.read_csv(PENGUINS)


def test_score_writes_a_csv_of_predictions_in_chunks(
    bundle_path, bundle, penguin_rows, tmp_path, capsys
):
    out = tmp_path / "scored.csv"
    code = main(
        [
            "score",
            str(bundle_path),
            "--input",
            str(PENGUINS),
            "--output",
            str(out),
            "--chunk-rows",
            "50",
        ]
    )
    assert code == 0, capsys.readouterr().err
    scored = pd.read_csv(out)
    assert list(scored.columns) == OUTPUTS and len(scored) == len(penguin_rows)
    expected = bundle.predict(penguin_rows[bundle.input_schema.names])
    assert scored["prediction"].tolist() == expected["prediction"].tolist()
    assert f"Scored {len(penguin_rows)} rows" in capsys.readouterr().out


def test_score_reads_and_writes_parquet_and_can_keep_the_input(bundle_path, penguin_rows, tmp_path):
    src = tmp_path / "in.parquet"
    penguin_rows.to_parquet(src, index=False)
    out = tmp_path / "out.parquet"
    assert (
        main(
            [
                "score",
                str(bundle_path),
                "--input",
                str(src),
                "--output",
                str(out),
                "--with-input",
                "--chunk-rows",
                "100",
            ]
        )
        == 0
    )
    scored = pd.read_parquet(out)
    assert len(scored) == len(penguin_rows)
    assert "species" in scored.columns and "prediction" in scored.columns


def test_score_refuses_a_bad_row_naming_it_and_leaves_no_output(
    bundle_path, penguin_rows, tmp_path, capsys
):
    bad = penguin_rows.astype({"year": object})
    bad.loc[120, "year"] = "soon"
    src = tmp_path / "bad.csv"
    bad.to_csv(src, index=False)
    out = tmp_path / "out.csv"
    assert (
        main(
            [
                "score",
                str(bundle_path),
                "--input",
                str(src),
                "--output",
                str(out),
                "--chunk-rows",
                "50",
            ]
        )
        == 2
    )
    assert "row 120, column 'year'" in capsys.readouterr().err
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".out.csv")]


def test_score_names_a_missing_column(bundle_path, penguin_rows, tmp_path, capsys):
    src = tmp_path / "no_island.csv"
    penguin_rows.drop(columns="island").to_csv(src, index=False)
    assert (
        main(["score", str(bundle_path), "--input", str(src), "--output", str(tmp_path / "o.csv")])
        == 2
    )
    assert "column 'island': missing column" in capsys.readouterr().err


def test_score_refuses_an_unknown_file_type(bundle_path, tmp_path, capsys):
    assert (
        main(
            [
                "score",
                str(bundle_path),
                "--input",
                str(PENGUINS),
                "--output",
                str(tmp_path / "o.xlsx"),
            ]
        )
        == 2
    )
    assert "use .csv or .parquet" in capsys.readouterr().err


def _drain(stream, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


def test_serve_command_answers_with_a_token_from_a_file_and_never_prints_it(
    bundle_path, knotwork_home, tmp_path, example_rows
):
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "studio",
        "serve",
        str(bundle_path),
        "--port",
        str(port),
        "--token-file",
        str(token_file),
        "--no-monitor",
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "KNOTWORK_HOME": str(knotwork_home)},
    )
    lines: list[str] = []
    reader = threading.Thread(target=_drain, args=(proc.stdout, lines), daemon=True)
    reader.start()
    try:
        url = f"http://127.0.0.1:{port}"
        pace = threading.Event()
        with httpx.Client(base_url=url, timeout=5) as c:
            deadline = time.monotonic() + 180  # a loaded 2-core machine starts slowly
            while time.monotonic() < deadline:
                assert proc.poll() is None, "".join(lines)
                try:
                    if c.get("/health").status_code == 200:
                        break
                except httpx.TransportError:
                    pace.wait(0.05)
            assert c.post("/predict", json=example_rows[:2]).status_code == 401
            r = c.post(
                "/predict", json=example_rows[:2], headers={"Authorization": f"Bearer {TOKEN}"}
            )
            assert r.status_code == 200 and len(r.json()["predictions"]) == 2
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        reader.join(timeout=5)
    output = "".join(lines)
    assert "Serving penguins version 1" in output and "token auth on" in output
    assert TOKEN not in output


def test_serve_command_refuses_an_empty_token_file(bundle_path, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.write_text("\n")
    assert main(["serve", str(bundle_path), "--token-file", str(empty)]) == 2
    assert "is empty" in capsys.readouterr().err


def test_serve_names_a_port_already_in_use_and_exits_2(bundle_path, capsys):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["serve", str(bundle_path), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "choose another --port" in err


def test_serve_names_each_bad_option(bundle_path, capsys):
    assert main(["serve", str(bundle_path), "--port", "0", "--workers", "0"]) == 2
    err = capsys.readouterr().err
    assert "--port must be within 1–65535, got 0" in err
    assert "--workers must be 1 or more, got 0" in err and "max-body" not in err


def _score_peak(bundle_path, src, out) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        args = ["score", str(bundle_path), "--input", str(src), "--output", str(out)]
        code = main([*args, "--chunk-rows", "1000", "--no-monitor", "--progress"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert code == 0
    return peak


def test_score_streams_a_file_in_memory_bounded_by_the_chunk_not_the_file(
    bundle_path, bundle, penguin_rows, tmp_path, capsys
):
    small, large = tmp_path / "small.csv", tmp_path / "large.csv"
    pd.concat([penguin_rows] * 6, ignore_index=True).to_csv(small, index=False)
    pd.concat([penguin_rows] * 24, ignore_index=True).to_csv(large, index=False)
    peak_small = _score_peak(bundle_path, small, tmp_path / "small-out.csv")
    peak_large = _score_peak(bundle_path, large, tmp_path / "large-out.csv")
    assert peak_large < 1.5 * peak_small, (peak_small, peak_large)  # 4x the rows
    scored = pd.read_csv(tmp_path / "large-out.csv")
    assert len(scored) == 24 * len(penguin_rows)
    want = bundle.predict_graph(penguin_rows[bundle.input_schema.names])["prediction"].tolist()
    assert scored["prediction"].tolist() == want * 24
    captured = capsys.readouterr()
    assert f"scoring with the {bundle.plan} plan" in captured.err and "100%" in captured.err
    assert f"({bundle.plan} plan)" in captured.out
