"""API tokens of a shared registry: created by an admin (the first one by the local user,
and it must be admin), shown once, stored only as SHA-256, revocable; every change audited."""

from __future__ import annotations

from sqlalchemy import select

from .errors import PermissionDeniedError, RegistryError
from .identity import ROLES, new_token, token_digest
from .results import TokenInfo
from .schema import TokenRow, now
from .session import Backend


def create_token(
    backend: Backend, name: str, role: str, environments: list[str] | None = None
) -> str:
    """A new API token (shown once). The first token makes the registry shared."""
    if role not in ROLES:
        raise RegistryError(f"role {role!r} is not one of {', '.join(ROLES)}")
    with backend.work("admin") as w:
        s, who = w.s, w.who
        unknown = sorted(set(environments or ()) - set(w.config.environments))
        if unknown:
            raise RegistryError(
                f"environment(s) {', '.join(unknown)} unknown (environments: "
                f"{', '.join(w.config.environments)})"
            )
        if environments and role == "admin":
            raise RegistryError(
                "an admin token cannot be limited to environments (it can create tokens): "
                "give the limited token role editor or approver"
            )
        if who.via == "os" and role != "admin":
            raise PermissionDeniedError(
                "the first token of a registry must have role admin (it makes the registry shared, and "
                "only an admin token can create the others): token create NAME --role admin"
            )
        token = new_token()
        s.add(
            TokenRow(
                name=name,
                role=role,
                token_sha256=token_digest(token),
                environments=",".join(environments) if environments else None,
                created_by=who.name,
                created_at=now(),
            )
        )
        w.audit(
            "token-create",
            "ok",
            reason=f"token for {name} with role {role}"
            + (f", limited to {', '.join(environments)}" if environments else ""),
            token_name=name,
            role=role,
        )
        return token


def revoke_tokens(backend: Backend, name: str) -> int:
    with backend.work("admin") as w:
        rows = w.s.scalars(
            select(TokenRow).where(TokenRow.name == name, TokenRow.revoked_at.is_(None))
        ).all()
        for row in rows:
            row.revoked_at = now()
        w.audit(
            "token-revoke",
            "ok",
            reason=f"{len(rows)} token(s) of {name}",
            token_name=name,
        )
        return len(rows)


def tokens(backend: Backend) -> list[TokenInfo]:
    with backend.work("admin") as w:
        return [
            TokenInfo(
                name=t.name,
                role=t.role,
                environments=t.environments.split(",") if t.environments else None,
                created_by=t.created_by,
                created_at=t.created_at,
                revoked_at=t.revoked_at,
            )
            for t in w.s.scalars(select(TokenRow).order_by(TokenRow.id))
        ]
