"""API tokens limited to environments: a dev token cannot promote to or roll back prod.
NULL (every existing token) means every environment.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("registry_tokens", sa.Column("environments", sa.Text, nullable=True))


def downgrade() -> None:
    raise RuntimeError("the registry schema is never downgraded: the audit log is append-only")
