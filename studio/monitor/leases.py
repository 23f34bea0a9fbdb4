"""A lease in the monitoring store: of the servers sharing one store (`--workers N`, or
replicas on PostgreSQL) one at a time records the evaluations and sends the alerts, so a
drift is notified once, not once per process. The holder renews it each evaluation; a
lease that was not renewed before it expires goes to the next process that asks."""

from __future__ import annotations

import os
import socket
import time
import uuid

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from .schema import LeaseRow


def holder_id() -> str:
    """This process, recognisably: host, pid and a random suffix (pids repeat)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def hold(engine: Engine, name: str, holder: str, ttl: float, now: float | None = None) -> bool:
    """Take or renew the lease `name` for `ttl` seconds; True if `holder` has it now.
    One atomic upsert: free, expired or already ours -> ours; someone else's -> unchanged."""
    now = time.time() if now is None else now
    lease = LeaseRow
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    upsert = dialect.insert(lease).values(name=name, holder=holder, expires=now + ttl)
    upsert = upsert.on_conflict_do_update(
        index_elements=[lease.name],
        set_={"holder": holder, "expires": now + ttl},
        where=(lease.holder == holder) | (lease.expires < now),
    )
    with engine.begin() as conn:
        conn.execute(upsert)
        current = conn.execute(select(lease.holder).where(lease.name == name)).scalar_one()
    return current == holder


def release(engine: Engine, name: str, holder: str) -> None:
    """Give the lease up at once (a clean shutdown), so another process need not wait."""
    lease = LeaseRow
    with engine.begin() as conn:
        conn.execute(
            lease.__table__.update()
            .where(lease.name == name, lease.holder == holder)
            .values(expires=0.0)
        )
