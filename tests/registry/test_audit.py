"""The audit log is append-only: the API offers no way to change it and the database refuses."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from studio.registry import Registry


def test_every_operation_is_logged_with_who_what_and_why(registry, bundles):
    registry.register(bundles(version="1"), reason="first model")
    registry.promote("churn:1", "dev", reason="smoke test")
    registry.set_alias("churn:1", "champion", reason="best so far")
    log = registry.log("churn")
    assert [(e.action, e.outcome, e.environment, e.reason) for e in log] == [
        ("register", "ok", "", "first model"),
        ("promote", "ok", "dev", "smoke test"),
        ("alias", "ok", "champion", "best so far"),
    ]
    assert all(e.actor and e.at.endswith("Z") for e in log)
    assert registry.log("churn", limit=1) == log[-1:]


def test_registry_api_has_no_way_to_edit_or_delete_log_entries():
    public = {n for n in dir(Registry) if not n.startswith("_")}
    assert not {
        n for n in public if any(w in n for w in ("delete", "update", "edit", "purge", "clear"))
    }


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE registry_audit SET actor = 'mallory'",
        "DELETE FROM registry_audit",
        "UPDATE registry_alias_moves SET to_version_id = NULL",
        "DELETE FROM registry_approvals",
    ],
)
def test_database_refuses_changes_to_append_only_tables(registry, bundles, statement):
    registry.register(bundles(version="1"))
    registry.promote("churn:1", "dev")
    with registry.engine.begin() as c:  # an approval row so the DELETE has something to refuse
        c.execute(
            sa.text(
                "INSERT INTO registry_approvals (version_id, environment, approver, reason, at) "
                "VALUES (1, 'prod', 'x', '', '2026')"
            )
        )
    with pytest.raises(DBAPIError, match="append-only"), registry.engine.begin() as c:
        c.execute(sa.text(statement))
    assert [e.actor for e in registry.log()] == [registry.whoami().name] * 2


def _bypass_triggers(c, dialect: str) -> None:
    """What a database admin could do behind the registry's back."""
    if dialect == "sqlite":
        c.execute(sa.text("DROP TRIGGER registry_audit_no_update"))
        c.execute(sa.text("DROP TRIGGER registry_audit_no_delete"))
    else:
        c.execute(sa.text("ALTER TABLE registry_audit DISABLE TRIGGER USER"))


def test_hash_chain_detects_an_entry_edited_behind_the_api(registry, bundles):
    registry.register(bundles(version="1"))
    registry.promote("churn:1", "dev", reason="ok")
    registry.promote("churn:1", "test")
    assert registry.verify_audit().model_dump(mode="json") == {
        "ok": True,
        "checked": 3,
        "unchained": 0,
        "first_bad": None,
        "problem": None,
    }
    with registry.engine.begin() as c:
        _bypass_triggers(c, registry.engine.dialect.name)
        c.execute(sa.text("UPDATE registry_audit SET reason = 'nothing to see' WHERE id = 2"))
    result = registry.verify_audit()
    assert not result.ok and result.first_bad == 2 and "changed" in result.problem


def test_hash_chain_detects_a_removed_entry(registry, bundles):
    registry.register(bundles(version="1"))
    registry.promote("churn:1", "dev")
    registry.promote("churn:1", "test")
    with registry.engine.begin() as c:
        _bypass_triggers(c, registry.engine.dialect.name)
        c.execute(sa.text("DELETE FROM registry_audit WHERE id = 2"))
    result = registry.verify_audit()
    assert not result.ok and result.first_bad == 3 and "removed" in result.problem
