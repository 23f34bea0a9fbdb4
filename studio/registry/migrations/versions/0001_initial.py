"""Initial registry schema: models, versions, aliases and their moves, approvals,
promotion requests, the audit log and API tokens. Audit, alias moves and approvals are
append-only: triggers refuse UPDATE and DELETE on both SQLite and PostgreSQL.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("registry_audit", "registry_alias_moves", "registry_approvals")
TS = sa.String(40)


def upgrade() -> None:
    op.create_table(
        "registry_models",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("owner", sa.String(200), nullable=False, server_default=""),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "registry_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "model_id", sa.Integer, sa.ForeignKey("registry_models.id"), nullable=False, index=True
        ),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("bundle_sha256", sa.String(64), nullable=False, index=True),
        sa.Column("artifact", sa.String(500), nullable=False),
        sa.Column("bundle_format", sa.String(8), nullable=False),
        sa.Column("signature_key_id", sa.String(200)),
        sa.Column("source_path", sa.Text, nullable=False, server_default=""),
        sa.Column("source_sha256", sa.String(64), nullable=False, server_default=""),
        sa.Column("git_commit", sa.String(64)),
        sa.Column("data_fingerprints", sa.JSON, nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("validation", sa.JSON),
        sa.Column("parity", sa.JSON),
        sa.Column("manifest", sa.JSON, nullable=False),
        sa.Column("author", sa.String(200), nullable=False, server_default=""),
        sa.Column("built_at", TS, nullable=False, server_default=""),
        sa.Column("registered_by", sa.String(200), nullable=False),
        sa.Column("registered_at", TS, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.UniqueConstraint("model_id", "version", name="uq_registry_versions_model_version"),
    )
    op.create_table(
        "registry_aliases",
        sa.Column("model_id", sa.Integer, sa.ForeignKey("registry_models.id"), primary_key=True),
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("registry_versions.id"), nullable=False),
        sa.Column("governed", sa.Boolean, nullable=False),
        sa.Column("moved_at", TS, nullable=False),
        sa.Column("moved_by", sa.String(200), nullable=False),
    )
    op.create_table(
        "registry_alias_moves",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "model_id", sa.Integer, sa.ForeignKey("registry_models.id"), nullable=False, index=True
        ),
        sa.Column("alias", sa.String(64), nullable=False),
        sa.Column("from_version_id", sa.Integer, sa.ForeignKey("registry_versions.id")),
        sa.Column("to_version_id", sa.Integer, sa.ForeignKey("registry_versions.id")),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "registry_approvals",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("registry_versions.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("environment", sa.String(64), nullable=False),
        sa.Column("approver", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "registry_requests",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "version_id",
            sa.Integer,
            sa.ForeignKey("registry_versions.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("environment", sa.String(64), nullable=False),
        sa.Column("requested_by", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("at", TS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
    )
    op.create_table(
        "registry_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False, server_default="", index=True),
        sa.Column("version", sa.String(64), nullable=False, server_default=""),
        sa.Column("environment", sa.String(64), nullable=False, server_default=""),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("details", sa.JSON, nullable=False),
    )
    op.create_table(
        "registry_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for table in APPEND_ONLY:
            for event in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: entries cannot be changed or removed'); END"
                )
    elif dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION registry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: entries cannot be changed or removed', TG_TABLE_NAME; END $$"
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION registry_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION registry_refuse_change()"
            )


def downgrade() -> None:
    raise RuntimeError("the registry schema is never downgraded: the audit log is append-only")
