"""Initial monitoring schema: logged predictions, feedback, evaluations and alert events.

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


def _id() -> sa.Column:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "monitor_predictions",
        _id(),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("outputs", sa.JSON, nullable=False),
        sa.UniqueConstraint("request_id", "row", name="uq_monitor_predictions_request_row"),
    )
    op.create_index(
        "ix_monitor_predictions_model_ts", "monitor_predictions", ["model", "version", "ts"]
    )
    op.create_table(
        "monitor_feedback",
        _id(),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("truth", sa.JSON),
        sa.Column("matched", sa.Boolean, nullable=False),
    )
    op.create_index("ix_monitor_feedback_request_row", "monitor_feedback", ["request_id", "row"])
    op.create_index("ix_monitor_feedback_ts", "monitor_feedback", ["ts"])
    op.create_table(
        "monitor_evaluations",
        _id(),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False, server_default=""),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("status", sa.JSON, nullable=False),
    )
    op.create_index("ix_monitor_evaluations_model_ts", "monitor_evaluations", ["model", "ts"])
    op.create_table(
        "monitor_alerts",
        _id(),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False, server_default=""),
        sa.Column("monitor", sa.String(200), nullable=False),
        sa.Column("column", sa.String(200), nullable=False, server_default=""),
        sa.Column("previous", sa.String(32), nullable=False),
        sa.Column("current", sa.String(32), nullable=False),
        sa.Column("statistic", sa.Float),
        sa.Column("threshold", sa.Float),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("delivered", sa.JSON, nullable=False),
    )
    op.create_index("ix_monitor_alerts_model_ts", "monitor_alerts", ["model", "ts"])


def downgrade() -> None:
    for table in (
        "monitor_alerts",
        "monitor_evaluations",
        "monitor_feedback",
        "monitor_predictions",
    ):
        op.drop_table(table)
