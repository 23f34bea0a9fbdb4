"""The audit log: one entry per registration, promotion (allowed, refused or pending),
approval, rollback, alias move and token change. Entries are only ever inserted (the
database refuses UPDATE/DELETE) and chained by SHA-256, so tampering is detectable.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .identity import Identity
from .results import AuditEntry, AuditVerification
from .schema import AuditRow, now

# Appends are serialized registry-wide so each entry chains to the one committed before it.
_PG_AUDIT_LOCK = 7_316_403
FIELDS = (
    "at",
    "actor",
    "role",
    "action",
    "model",
    "version",
    "environment",
    "outcome",
    "reason",
    "details",
)


def entry_hash(fields: dict[str, Any], prev_hash: str) -> str:
    payload = json.dumps(
        {**{k: fields[k] for k in FIELDS}, "prev": prev_hash}, sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def append(s: Session, who: Identity, action: str, outcome: str, **fields: Any) -> AuditRow:
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_LOCK})
    s.flush()  # entries added earlier in this transaction come first in the chain
    prev = s.scalar(select(AuditRow.entry_hash).order_by(AuditRow.id.desc()).limit(1)) or ""
    details = fields.pop("details", {})
    values = {
        "at": now(),
        "actor": who.name,
        "role": who.role,
        "action": action,
        "model": fields.get("model", ""),
        "version": fields.get("version", ""),
        "environment": fields.get("environment", ""),
        "outcome": outcome,
        "reason": fields.get("reason") or "",
        "details": json.loads(
            json.dumps(details, default=str)
        ),  # exactly what the database returns
    }
    row = AuditRow(**values, prev_hash=prev, entry_hash=entry_hash(values, prev))
    s.add(row)
    s.flush()
    return row


def entry(r: AuditRow) -> AuditEntry:
    return AuditEntry(id=r.id, **{k: getattr(r, k) for k in FIELDS})


def verify(s: Session) -> AuditVerification:
    """Recompute the chain; report the first entry whose content or link does not match."""
    prev, checked, legacy = "", 0, 0
    for r in s.scalars(select(AuditRow).order_by(AuditRow.id)):
        if not r.entry_hash and not prev:
            legacy += 1  # written before the chain existed (schema revision < 0003)
            continue
        values = {k: getattr(r, k) for k in FIELDS}
        if r.prev_hash != prev:
            return AuditVerification(
                ok=False,
                checked=checked,
                first_bad=r.id,
                problem=f"entry {r.id} does not follow entry before it (an entry was removed or inserted)",
            )
        if entry_hash(values, prev) != r.entry_hash:
            return AuditVerification(
                ok=False,
                checked=checked,
                first_bad=r.id,
                problem=f"entry {r.id} was changed after it was written",
            )
        prev, checked = r.entry_hash, checked + 1
    return AuditVerification(ok=True, checked=checked, unchained=legacy)
