"""How far each pin is behind the newest release on the package index (the simple API:
PEP 691 JSON, or PEP 503 HTML, over http(s) or a file:// index). An unreachable index
skips the check with a note instead of failing the audit."""

from __future__ import annotations

import json
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx
from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

DEFAULT_INDEX = "https://pypi.org/simple/"
_ACCEPT = "application/vnd.pypi.simple.v1+json, text/html;q=0.1"
_ANCHOR = re.compile(r"<a\s[^>]*>([^<]+)</a>", re.IGNORECASE)


@dataclass
class PackageCurrency:
    name: str
    version: str
    newest: str | None
    behind: int  # releases newer than the pin
    major_behind: bool
    note: str = ""


@dataclass
class OutdatedCheck:
    index: str
    packages: list[PackageCurrency]
    note: str = ""  # why nothing was checked

    @property
    def checked(self) -> bool:
        return any(p.newest is not None for p in self.packages)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> OutdatedCheck:
        return cls(
            data.get("index", "?"),
            [PackageCurrency(**p) for p in data.get("packages", [])],
            data.get("note", ""),
        )


def index_url(configured: str | None = None) -> str:
    return (configured or os.environ.get("PIP_INDEX_URL") or DEFAULT_INDEX).rstrip("/") + "/"


def _version_of(filename: str) -> Version | None:
    try:
        if filename.endswith(".whl"):
            return parse_wheel_filename(filename)[1]
        return parse_sdist_filename(filename)[1]
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None


def _releases(body: str, content_type: str) -> set[Version]:
    if "json" in content_type:
        data = json.loads(body)
        files = [f for f in data.get("files", []) if not f.get("yanked")]
        found = {_version_of(f["filename"]) for f in files}
    else:
        found = {_version_of(unquote(m.strip())) for m in _ANCHOR.findall(body)}
    return {v for v in found if v is not None}


def _fetch(client: httpx.Client, base: str, name: str) -> tuple[str, str] | None:
    """(body, content type) of a project page; None when the index does not have it."""
    url = f"{base}{canonicalize_name(name)}/"
    if url.startswith("file://"):
        page = Path(unquote(urlparse(url).path)) / "index.html"
        return (page.read_text(encoding="utf-8"), "text/html") if page.exists() else None
    response = client.get(url, headers={"Accept": _ACCEPT}, follow_redirects=True)
    if response.status_code == 404:
        return None
    response.raise_for_status()
    return response.text, response.headers.get("content-type", "")


def _currency(name: str, version: str, releases: set[Version]) -> PackageCurrency:
    try:
        pinned = Version(version)
    except InvalidVersion:
        return PackageCurrency(name, version, None, 0, False, "version is not PEP 440")
    stable = {v for v in releases if not v.is_prerelease or pinned.is_prerelease}
    if not stable:
        return PackageCurrency(name, version, None, 0, False, "no release on the index")
    newest = max(stable)
    newer = sorted(v for v in stable if v > pinned)
    return PackageCurrency(name, version, str(newest), len(newer), newest.major > pinned.major)


def check(pins: dict[str, str], configured_index: str | None, timeout: float) -> OutdatedCheck:
    base = index_url(configured_index)
    shown = re.sub(r"//[^/@]*@", "//***@", base)  # an index URL may carry credentials
    with httpx.Client(timeout=timeout) as client:
        try:  # one probe first: an unreachable index costs one timeout, not one per package
            first = next(iter(pins), None)
            probe = _fetch(client, base, first) if first else None
        except (httpx.HTTPError, OSError) as exc:
            note = (
                f"index {shown} not reachable ({type(exc).__name__}): outdated packages not checked"
            )
            return OutdatedCheck(shown, [_unchecked(n, v, note) for n, v in pins.items()], note)

        def one(item: tuple[str, str]) -> PackageCurrency:
            name, version = item
            try:
                page = probe if name == first else _fetch(client, base, name)
            except (httpx.HTTPError, OSError) as exc:
                return _unchecked(name, version, f"index error: {type(exc).__name__}")
            if page is None:
                return _unchecked(name, version, "not on the index")
            return _currency(name, version, _releases(*page))

        with ThreadPoolExecutor(max_workers=8) as pool:
            packages = list(pool.map(one, pins.items()))
    return OutdatedCheck(shown, packages)


def _unchecked(name: str, version: str, note: str) -> PackageCurrency:
    return PackageCurrency(name, version, None, 0, False, note)
