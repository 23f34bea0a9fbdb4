"""Hash chain over the audit log: each entry stores the SHA-256 of its content and of the
entry before it, so an edit made behind the API's back (triggers dropped by a database
admin) is detected by `knotwork registry log --verify`. Older entries keep empty hashes.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "registry_audit", sa.Column("prev_hash", sa.String(64), nullable=False, server_default="")
    )
    op.add_column(
        "registry_audit", sa.Column("entry_hash", sa.String(64), nullable=False, server_default="")
    )


def downgrade() -> None:
    raise RuntimeError("the registry schema is never downgraded: the audit log is append-only")
