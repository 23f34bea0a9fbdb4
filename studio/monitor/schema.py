"""Monitoring tables (SQLAlchemy 2). Alembic scripts in `migrations/` create and upgrade
them; these classes are how the store reads and writes them.

Timestamps are epoch seconds (float) so time windows are plain range queries on both
SQLite and PostgreSQL; row order for "last N rows" windows is the block id, then the row's
place in its block.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Its own version table, so the monitor and the registry may share one database.
VERSION_TABLE = "monitor_alembic_version"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class BlockRow(Base):
    """Scored rows of one model version, many requests at a time, stored columnar
    (`blocks.encode`): one insert per writer batch, not one JSON document per row."""

    __tablename__ = "monitor_blocks"
    __table_args__ = (
        Index("ix_monitor_blocks_model_version_id", "model", "version", "id"),
        Index("ix_monitor_blocks_model_ts", "model", "ts_max"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64))
    ts_min: Mapped[float] = mapped_column(Float)
    ts_max: Mapped[float] = mapped_column(Float)
    n_rows: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class RequestRow(Base):
    """Where a request's rows sit: its block and first row there (feedback finds them)."""

    __tablename__ = "monitor_requests"
    __table_args__ = (
        UniqueConstraint("request_id", name="uq_monitor_requests_request_id"),
        Index("ix_monitor_requests_block", "block_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64))
    block_id: Mapped[int] = mapped_column(Integer)
    first: Mapped[int] = mapped_column(Integer)
    n_rows: Mapped[int] = mapped_column(Integer)


class FeedbackRow(Base):
    """Ground truth for a scored row; `matched` records whether the row was known then."""

    __tablename__ = "monitor_feedback"
    __table_args__ = (Index("ix_monitor_feedback_request_row", "request_id", "row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[str] = mapped_column(String(64))
    row: Mapped[int] = mapped_column(Integer)
    ts: Mapped[float] = mapped_column(Float, index=True)
    truth: Mapped[Any] = mapped_column(JSON)
    matched: Mapped[bool] = mapped_column(Boolean)


class EvaluationRow(Base):
    """One monitor's status at one evaluation: the history behind plots and reports."""

    __tablename__ = "monitor_evaluations"
    __table_args__ = (Index("ix_monitor_evaluations_model_ts", "model", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64), default="")
    monitor: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    verdict: Mapped[str] = mapped_column(String(32))
    n_rows: Mapped[int] = mapped_column(Integer)
    status: Mapped[dict[str, Any]] = mapped_column(JSON)


class AlertRow(Base):
    """A verdict transition of a monitor (column "") or of one of its columns."""

    __tablename__ = "monitor_alerts"
    __table_args__ = (Index("ix_monitor_alerts_model_ts", "model", "ts"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ts: Mapped[float] = mapped_column(Float)
    model: Mapped[str] = mapped_column(String(200))
    version: Mapped[str] = mapped_column(String(64), default="")
    monitor: Mapped[str] = mapped_column(String(200))
    column: Mapped[str] = mapped_column(String(200), default="")
    previous: Mapped[str] = mapped_column(String(32))
    current: Mapped[str] = mapped_column(String(32))
    statistic: Mapped[float | None] = mapped_column(Float, nullable=True)
    threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    message: Mapped[str] = mapped_column(Text)
    delivered: Mapped[list[Any]] = mapped_column(JSON, default=list)


class LeaseRow(Base):
    """Who evaluates, records and alerts for a model now: one of the replicas or workers
    sharing a store holds the lease and renews it; when it stops, another takes over."""

    __tablename__ = "monitor_leases"

    name: Mapped[str] = mapped_column(String(300), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    expires: Mapped[float] = mapped_column(Float)
