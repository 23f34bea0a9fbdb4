"""SQL Reader and Writer against a real SQLite file, and secret references."""

from __future__ import annotations

import pytest

from studio.core import (
    ConfigureError,
    ExecutionContext,
    NodeExecutionError,
    Workflow,
    default_catalog,
)
from studio.security.secrets import SecretError, redact, resolve_secret
from tests.conftest import run_node


def _url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'shop.sqlite'}"


def test_sql_round_trip_write_then_read(tmp_path, penguins):
    run_node("io.sql_writer", [penguins], url=_url(tmp_path), table="penguins")
    (back,) = run_node("io.sql_reader", [], url=_url(tmp_path), query="SELECT * FROM penguins")
    assert back.df.shape == penguins.df.shape
    assert back.df["species"].tolist() == penguins.df["species"].tolist()
    assert back.df["body_mass_g"].sum() == pytest.approx(penguins.df["body_mass_g"].sum())


def test_sql_writer_append_adds_rows_and_replace_starts_over(tmp_path, penguins):
    url = _url(tmp_path)
    head = penguins.with_df(penguins.df.head(10))
    run_node("io.sql_writer", [head], url=url, table="p")
    run_node("io.sql_writer", [head], url=url, table="p", if_exists="append")
    (n,) = run_node("io.sql_reader", [], url=url, query="SELECT COUNT(*) AS n FROM p")
    assert n.df["n"].iloc[0] == 20
    run_node(
        "io.sql_writer", [head.with_df(head.df.head(3))], url=url, table="p", if_exists="replace"
    )
    (n,) = run_node("io.sql_reader", [], url=url, query="SELECT COUNT(*) AS n FROM p")
    assert n.df["n"].iloc[0] == 3


def test_sql_writer_fail_mode_refuses_an_existing_table(tmp_path, penguins):
    url = _url(tmp_path)
    run_node("io.sql_writer", [penguins], url=url, table="p")
    with pytest.raises(NodeExecutionError, match="if_exists"):
        run_node("io.sql_writer", [penguins], url=url, table="p")


def test_sql_error_carries_the_database_message_and_the_node_label(tmp_path):
    wf = Workflow(default_catalog())
    node = wf.add_node(
        "io.sql_reader",
        "Load orders",
        {"url": _url(tmp_path), "query": "SELECT * FROM no_such_table"},
    )
    result = wf.run()
    assert result.state(node.id) == "failed"
    message = result.errors[node.id]
    assert "Load orders" in message
    assert "no such table: no_such_table" in message


def test_sql_reader_relative_sqlite_path_is_relative_to_the_workflow_folder(tmp_path, penguins):
    run_node(
        "io.sql_writer", [penguins], base_dir=str(tmp_path), url="sqlite:///db.sqlite", table="t"
    )
    assert (tmp_path / "db.sqlite").is_file()
    (back,) = run_node(
        "io.sql_reader",
        [],
        base_dir=str(tmp_path),
        url="sqlite:///db.sqlite",
        query="SELECT island FROM t",
    )
    assert len(back.df) == len(penguins.df)


def test_literal_password_in_url_is_refused_at_configure(tmp_path):
    with pytest.raises(ConfigureError, match="'password' setting") as err:
        run_node(
            "io.sql_reader", [], url="postgresql://ana:hunter2@db.example/shop", query="SELECT 1"
        )
    assert err.value.where == "url"


def test_password_setting_must_be_a_reference():
    with pytest.raises(ConfigureError) as err:
        run_node(
            "io.sql_reader",
            [],
            url="postgresql://ana@db.example/shop",
            password="hunter2",
            query="SELECT 1",
        )
    assert err.value.where == "password"


PG_URL = (
    "postgresql+psycopg://ana@127.0.0.1:1/shop"  # nothing listens on port 1: connecting fails fast
)


def test_unset_password_variable_fails_naming_the_variable_and_node(monkeypatch):
    monkeypatch.delenv("KNOTWORK_TEST_DB_PW", raising=False)
    node_type = default_catalog().get("io.sql_reader")
    s = node_type.validate_settings(
        {"url": PG_URL, "password": "env:KNOTWORK_TEST_DB_PW", "query": "SELECT 1 AS one"}
    )
    with pytest.raises(NodeExecutionError, match="Nightly load: password: .*KNOTWORK_TEST_DB_PW"):
        node_type().execute(s, [], ExecutionContext("n1", "Nightly load"))


def test_resolved_password_reaches_the_driver_and_never_the_message(monkeypatch):
    monkeypatch.setenv("KNOTWORK_TEST_DB_PW", "s3cret-value")
    with pytest.raises(NodeExecutionError, match="SQL Reader: query failed") as err:
        run_node(
            "io.sql_reader",
            [],
            url=PG_URL,
            password="env:KNOTWORK_TEST_DB_PW",
            query="SELECT 1 AS one",
        )
    assert "s3cret-value" not in str(err.value)


def test_sqlite_url_with_a_password_reference_is_refused(tmp_path):
    with pytest.raises(ConfigureError, match="no password") as err:
        run_node("io.sql_reader", [], url=_url(tmp_path), password="env:X", query="SELECT 1")
    assert err.value.where == "password"


def test_resolve_secret_reads_environment_variables(monkeypatch):
    monkeypatch.setenv("KNOTWORK_TEST_TOKEN", "tok-123")
    assert resolve_secret("env:KNOTWORK_TEST_TOKEN") == "tok-123"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("vault:db/pw", "unknown secret scheme 'vault'"),
        ("hunter2", "not a secret reference"),
        ("env:", "needs a variable name"),
        ("env:KNOTWORK_SURELY_UNSET_VAR", "'KNOTWORK_SURELY_UNSET_VAR' is not set"),
        ("keyring:only-service", "service/user"),
    ],
)
def test_resolve_secret_errors_say_what_to_fix(ref, message, monkeypatch):
    monkeypatch.delenv("KNOTWORK_SURELY_UNSET_VAR", raising=False)
    with pytest.raises(SecretError, match=message):
        resolve_secret(ref)


def test_missing_keyring_entry_is_a_clear_error():
    with pytest.raises(SecretError, match="keyring"):
        resolve_secret("keyring:knotwork-tests/nobody")


def test_redact_hides_resolved_secrets(monkeypatch):
    monkeypatch.setenv("KNOTWORK_TEST_PW2", "pa55word!")
    resolve_secret("env:KNOTWORK_TEST_PW2")
    assert redact("login failed for pa55word! at host") == "login failed for *** at host"
    assert redact("nothing secret here") == "nothing secret here"


def test_sql_reader_sends_the_query_as_written(tmp_path):
    (t,) = run_node(
        "io.sql_reader", [], url=_url(tmp_path), query="SELECT ':not_a_param' AS s, '10:30' AS t"
    )
    assert t.df.iloc[0].tolist() == [":not_a_param", "10:30"]
