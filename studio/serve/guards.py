"""ASGI guards in front of every route: bearer-token auth and a request body size limit.

Pure ASGI (not BaseHTTPMiddleware) so they add microseconds, not a task per request.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

ASGIApp = Callable[[dict, Callable, Callable], Awaitable[None]]
# "/" is the web form: a browser cannot send a bearer header to open it, so the page is
# open and asks for the token, which its script sends with every (protected) scoring call.
OPEN_PATHS = ("/health", "/")
OPEN_PREFIXES = ("/v2/health/",)
# Operations read these; with an operations token they take it, and only it.
OPS_PATHS = ("/metrics", "/monitoring")


class BodyTooLarge(Exception):
    """The request body passed the configured limit while it was being read."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"request body larger than {limit} bytes")


async def send_json(
    send: Callable, status: int, body: dict[str, Any], headers: list[tuple[bytes, bytes]] = ()
) -> None:
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def error_body(error: str, row: int | None = None, column: str | None = None) -> dict[str, Any]:
    return {"detail": [{"row": row, "column": column, "error": error}]}


class TokenAuth:
    """Every route but health and the form page needs `Authorization: Bearer <token>`,
    compared in constant time; with an `ops_token`, /metrics and /monitoring need that one
    instead (and a missing scoring token leaves scoring open, ops paths closed)."""

    def __init__(self, app: ASGIApp, token: str | None, ops_token: str | None = None):
        self.app = app
        self._expected = f"Bearer {token}".encode() if token else None
        self._ops = f"Bearer {ops_token}".encode() if ops_token else None

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            return await self.app(scope, receive, send)
        ops = self._ops is not None and path in OPS_PATHS
        expected = self._ops if ops else self._expected
        if expected is None:
            return await self.app(scope, receive, send)
        given = b""
        for k, v in scope["headers"]:
            if k == b"authorization":
                given = v
                break
        if hmac.compare_digest(given, expected):
            return await self.app(scope, receive, send)
        which = "the operations token" if ops else "the scoring token"
        await send_json(
            send,
            401,
            error_body(
                f"missing or wrong bearer token: {path} needs {which} "
                "('Authorization: Bearer <token>')"
            ),
            [(b"www-authenticate", b"Bearer")],
        )


class BodyLimit:
    """413 when Content-Length (or the bytes actually received) exceed `limit`."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit
        for k, v in scope["headers"]:
            if k == b"content-length":
                try:
                    declared = int(v)
                except ValueError:
                    return await send_json(send, 400, error_body("invalid Content-Length header"))
                if declared > limit:
                    return await send_json(
                        send,
                        413,
                        error_body(
                            f"request body larger than {limit} bytes: send fewer rows per request"
                        ),
                    )
                break
        received = 0

        async def counted() -> dict:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, counted, send)
