"""Audit fixtures: OSV advisories written for packages really installed here, and small
real HTTP servers on 127.0.0.1 standing in for the OSV API and a package index."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

# scikit-learn is in every bundle of a model; requests is installed with pip-audit.
VULNERABLE = "scikit-learn"


def installed(name: str) -> str:
    return metadata.version(name)


def osv_record(
    package: str,
    *,
    id: str = "GHSA-kw12-aaaa-0001",
    aliases: tuple[str, ...] = ("CVE-2099-11111",),
    introduced: str = "0",
    fixed: str | None = None,
    last_affected: str | None = None,
    versions: list[str] | None = None,
    severity: str | None = "CRITICAL",
    cvss: str | None = None,
    summary: str = "Deserialisation of untrusted estimator files",
) -> dict[str, Any]:
    """One OSV 1.6 record affecting `package` (PyPI) from `introduced` up to `fixed`."""
    events: list[dict[str, str]] = [{"introduced": introduced}]
    if fixed:
        events.append({"fixed": fixed})
    if last_affected:
        events.append({"last_affected": last_affected})
    affected: dict[str, Any] = {
        "package": {"ecosystem": "PyPI", "name": package},
        "ranges": [{"type": "ECOSYSTEM", "events": events}],
    }
    if versions is not None:
        affected = {"package": affected["package"], "versions": versions}
    record: dict[str, Any] = {
        "schema_version": "1.6.0",
        "id": id,
        "aliases": list(aliases),
        "summary": summary,
        "modified": "2026-11-30T00:00:00Z",
        "affected": [affected],
    }
    if severity:
        record["database_specific"] = {"severity": severity}
    if cvss:
        record["severity"] = [{"type": "CVSS_V3", "score": cvss}]
    return record


def next_version(version: str) -> str:
    """A version just above `version` (the fix an advisory names)."""
    parts = version.split(".")
    return ".".join([*parts[:-1], str(int("".join(c for c in parts[-1] if c.isdigit()) or 0) + 1)])


@pytest.fixture
def advisory_file(tmp_path) -> Callable[..., Path]:
    """advisory_file(record, ...) writes the records as one OSV JSON file."""

    def write(*records: dict[str, Any], name: str = "advisories.json") -> Path:
        path = tmp_path / name
        path.write_text(json.dumps(list(records), indent=2), encoding="utf-8")
        return path

    return write


@pytest.fixture
def vulnerable_sklearn(advisory_file) -> Path:
    """An advisory marking the installed scikit-learn vulnerable (critical), fixed just above."""
    version = installed(VULNERABLE)
    return advisory_file(osv_record(VULNERABLE, fixed=next_version(version)))


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.requests: list[tuple[str, str, bytes]] = []
        self.httpd.requests = self.requests  # type: ignore[attr-defined]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def serve(routes: dict[tuple[str, str], tuple[int, str, bytes]]) -> Iterator[_Server]:
    """A real HTTP server answering (method, path) with (status, content type, body)."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            size = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(size) if size else b""
            self.server.requests.append((method, self.path, body))  # type: ignore[attr-defined]
            status, kind, data = routes.get((method, self.path), (404, "text/plain", b"no"))
            if callable(data):
                data = data(body)
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, *args: Any) -> None:
            pass

    server = _Server(Handler)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def http_server():
    """http_server(routes) starts a server for this test; all are stopped at the end."""
    running: list[Iterator[_Server]] = []

    def start(routes):
        gen = serve(routes)
        running.append(gen)
        return next(gen)

    yield start
    for gen in running:
        next(gen, None)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
