"""The server's configuration is one validated model: options, KNOTWORK_* variables and
defaults, in that order, every bad value named as the user gave it."""

from __future__ import annotations

import os

import pytest

from studio.cli.main import main
from studio.serve import ServerSettings, ServerSettingsError


@pytest.fixture(autouse=True)
def _no_server_variables(monkeypatch):
    for name in ServerSettings().environ():
        monkeypatch.delenv(name, raising=False)


def test_settings_read_knotwork_variables_and_explicit_values_win(monkeypatch, tmp_path):
    monkeypatch.setenv("KNOTWORK_PORT", "9001")
    monkeypatch.setenv("KNOTWORK_TOKEN", " from-env ")
    monkeypatch.setenv("KNOTWORK_KEYS", '["/keys/a.pub"]')
    monkeypatch.setenv("KNOTWORK_MONITOR", "false")
    s = ServerSettings.load(port=9002, bundle=str(tmp_path / "b.zip"))
    assert s.port == 9002 and s.token_value == "from-env" and s.keys == ["/keys/a.pub"]
    assert s.monitor is False and s.bundle == str(tmp_path / "b.zip")
    assert "from-env" not in repr(s)  # the token is a secret


def test_a_token_file_is_read_and_wins_over_the_token_variable(monkeypatch, tmp_path):
    monkeypatch.setenv("KNOTWORK_TOKEN", "from-env")
    path = tmp_path / "token"
    path.write_text("from-file\n")
    assert ServerSettings.load(token_file=path).token_value == "from-file"


def test_every_bad_value_is_named_with_the_variable_it_came_from(monkeypatch):
    monkeypatch.setenv("KNOTWORK_WORKERS", "0")
    monkeypatch.setenv("KNOTWORK_UNKNOWN_CATEGORY", "ignore")
    with pytest.raises(ServerSettingsError) as info:
        ServerSettings.load(max_body_mb=0)
    problems = dict(info.value.problems)
    assert problems["workers"] == "must be 1 or more, got 0"
    assert problems["max_body_mb"] == "must be above 0, got 0.0"
    assert "'error' or 'warn'" in problems["unknown_category"]
    assert "($KNOTWORK_WORKERS) must be 1 or more" in str(info.value)


def test_the_cli_names_a_bad_variable_by_its_name_and_a_bad_option_by_its_flag(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setenv("KNOTWORK_PORT", "70000")
    assert main(["serve", str(tmp_path), "--max-body-mb", "-1"]) == 2
    err = capsys.readouterr().err
    assert "$KNOTWORK_PORT must be within 1–65535, got 70000" in err
    assert "--max-body-mb must be above 0, got -1.0" in err


def test_worker_processes_read_back_exactly_the_parent_settings(monkeypatch, tmp_path):
    token = tmp_path / "token"
    token.write_text("s3cret")
    parent = ServerSettings.load(
        bundle="registry://iris@prod",
        registry_url="sqlite:///reg.db",
        keys=[str(tmp_path)],
        port=9100,
        workers=3,
        token_file=token,
        unknown_category="warn",
        max_body_mb=0.5,
        monitor=False,
        fast_path=False,
    )
    for name in parent.environ():
        monkeypatch.setenv(name, "")  # so that the export is undone after this test
    parent.export()
    assert os.environ["KNOTWORK_TOKEN"] == "s3cret" and "KNOTWORK_TOKEN_FILE" not in os.environ
    worker = ServerSettings.load()
    assert worker.model_dump(exclude={"token", "token_file"}) == parent.model_dump(
        exclude={"token", "token_file"}
    )
    assert worker.token_value == "s3cret"
