"""Logged rows move from one JSON row per prediction to columnar blocks; leases let one
of several servers sharing a store record evaluations and send alerts.

Existing predictions are carried over in logging order (a block per run of up to 10,000
rows of one model version), each request indexed for feedback; then the old table goes.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_CHUNK = 10_000


def upgrade() -> None:
    op.create_table(
        "monitor_blocks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("ts_min", sa.Float, nullable=False),
        sa.Column("ts_max", sa.Float, nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index(
        "ix_monitor_blocks_model_version_id", "monitor_blocks", ["model", "version", "id"]
    )
    op.create_index("ix_monitor_blocks_model_ts", "monitor_blocks", ["model", "ts_max"])
    op.create_table(
        "monitor_requests",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("block_id", sa.Integer, nullable=False),
        sa.Column("first", sa.Integer, nullable=False),
        sa.Column("n_rows", sa.Integer, nullable=False),
        sa.UniqueConstraint("request_id", name="uq_monitor_requests_request_id"),
    )
    op.create_index("ix_monitor_requests_block", "monitor_requests", ["block_id"])
    op.create_table(
        "monitor_leases",
        sa.Column("name", sa.String(300), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires", sa.Float, nullable=False),
    )
    _move_predictions(op.get_bind())
    op.drop_table("monitor_predictions")


def _move_predictions(conn) -> None:
    from studio.monitor.blocks import Batcher, columns_of

    old = sa.table(
        "monitor_predictions",
        *(sa.column(c) for c in ("id", "request_id", "row", "ts", "model", "version")),
        sa.column("inputs", sa.Text),
        sa.column("outputs", sa.Text),
    )
    last = 0
    while True:
        rows = conn.execute(
            sa.select(old).where(old.c.id > last).order_by(old.c.id).limit(_CHUNK)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        requests: dict[str, tuple] = {}  # request id -> (model, version, ts, inputs, outputs)
        for r in rows:
            req = requests.setdefault(r.request_id, (r.model, r.version, r.ts, [], []))
            req[3].append(_load(r.inputs))
            req[4].append(_load(r.outputs))
        batcher = Batcher(_CHUNK)
        for rid, (model, version, ts, inputs, outputs) in requests.items():
            ins, outs = columns_of(inputs), columns_of(outputs)
            batcher.add(rid, model, version, ts, len(inputs), ins, outs)
        _insert(conn, [batch.block() for batch in batcher.take()])


def _load(value):
    return json.loads(value) if isinstance(value, str) else value


_BLOCKS = sa.table(
    "monitor_blocks",
    sa.column("id", sa.Integer),
    *(sa.column(c) for c in ("model", "version", "ts_min", "ts_max", "n_rows")),
    sa.column("data", sa.LargeBinary),
)
_REQUESTS = sa.table(
    "monitor_requests", *(sa.column(c) for c in ("request_id", "block_id", "first", "n_rows"))
)


def _insert(conn, blocks) -> None:
    for block in blocks:
        block_id = conn.execute(
            sa.insert(_BLOCKS)
            .values(
                model=block.model,
                version=block.version,
                ts_min=block.ts_min,
                ts_max=block.ts_max,
                n_rows=block.n_rows,
                data=block.data,
            )
            .returning(_BLOCKS.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(_REQUESTS),
            [
                {"request_id": rid, "block_id": block_id, "first": first, "n_rows": n}
                for rid, first, n in block.requests
            ],
        )


def downgrade() -> None:
    op.drop_table("monitor_leases")
    op.drop_table("monitor_requests")
    op.drop_table("monitor_blocks")
    op.create_table(
        "monitor_predictions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("row", sa.Integer, nullable=False),
        sa.Column("ts", sa.Float, nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("outputs", sa.JSON, nullable=False),
        sa.UniqueConstraint("request_id", "row", name="uq_monitor_predictions_request_row"),
    )
