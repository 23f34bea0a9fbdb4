"""Separate tokens for scoring and for operations (/metrics, /monitoring), on a real server."""

from __future__ import annotations

import pytest

from studio.serve.settings import ServerSettings, ServerSettingsError

from .conftest import TOKEN

OPS = "ops-token-for-prometheus"


def test_with_an_ops_token_metrics_take_only_it_and_scoring_only_the_scoring_token(
    serve, example_rows
):
    running = serve(token=TOKEN, ops_token=OPS)
    with running.client(TOKEN) as scorer, running.client(OPS) as ops:
        assert scorer.post("/predict", json=example_rows[:1]).status_code == 200
        assert ops.post("/predict", json=example_rows[:1]).status_code == 401
        assert ops.get("/metrics").status_code == 200
        refused = scorer.get("/metrics")
        assert refused.status_code == 401 and "needs the operations token" in refused.text
        assert scorer.get("/monitoring").status_code == 401
        assert ops.get("/monitoring").status_code != 401
        assert OPS not in refused.text and TOKEN not in refused.text


def test_an_ops_token_alone_closes_operations_and_leaves_scoring_open(serve, example_rows):
    running = serve(ops_token=OPS)
    with running.client() as anonymous, running.client(OPS) as ops:
        assert anonymous.post("/predict", json=example_rows[:1]).status_code == 200
        assert anonymous.get("/metrics").status_code == 401
        assert ops.get("/metrics").status_code == 200


def test_the_ops_token_comes_from_its_file_and_must_differ_from_the_scoring_token(
    tmp_path, monkeypatch
):
    path = tmp_path / "ops.token"
    path.write_text(OPS + "\n")
    monkeypatch.delenv("KNOTWORK_TOKEN", raising=False)
    settings = ServerSettings.load(ops_token_file=path)
    assert settings.ops_token_value == OPS
    assert settings.environ()["KNOTWORK_OPS_TOKEN"] == OPS  # workers get it resolved
    assert settings.environ()["KNOTWORK_OPS_TOKEN_FILE"] is None
    with pytest.raises(ServerSettingsError, match="one token per purpose"):
        ServerSettings.load(token=OPS, ops_token=OPS)
    with pytest.raises(ServerSettingsError, match="--ops-token"):
        ServerSettings.load(ops_token="  ")
