"""Secrets in files: detect-secrets' detectors plus our rule for database URLs with an
inline password (detect-secrets misses `?password=` and JDBC `;password=` forms).

A finding names the file, the line and the kind of secret, never the secret itself.
Entropy detectors are left out: hashes in manifests and ids in data would drown the
real findings. A line marked `pragma: allowlist secret` is skipped (detect-secrets' rule).
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
from detect_secrets.core.scan import scan_file
from detect_secrets.settings import transient_settings

DB_URL_KIND = "Database URL with inline password"
_LEFT_OUT = {"Base64HighEntropyString", "HexHighEntropyString", "IPPublicDetector"}
_SKIP_DIRS = {
    ".git", ".hg", ".venv", "venv", "node_modules", "__pycache__", ".mypy_cache",
    ".pytest_cache", ".ruff_cache", ".tox", "site-packages",
}  # fmt: skip
_BINARY = {
    ".parquet", ".skops", ".onnx", ".db", ".sqlite", ".sqlite3", ".png", ".jpg", ".jpeg",
    ".gif", ".pdf", ".whl", ".pyc", ".so", ".dll", ".xlsx", ".feather", ".npy", ".npz",
}  # fmt: skip
MAX_BYTES = 5_000_000

_SCHEMES = (
    r"(?:postgres(?:ql)?|mysql|mariadb|mssql|sqlserver|oracle|mongodb(?:\+srv)?|rediss?|amqps?"
    r"|snowflake|clickhouse|cockroachdb|redshift|db2|teradata|trino|presto|hive|databricks)"
)
_USERINFO = re.compile(
    rf"(?i)\b(?:jdbc:)?{_SCHEMES}(?:\+\w+)?://[^\s:/@'\"]*:(?P<pw>[^\s@'\"]+)@[^\s'\"]"
)
_PARAM = re.compile(
    rf"(?i)\b(?:jdbc:)?{_SCHEMES}(?:\+\w+)?:[^\s'\"]*?[?&;](?:password|pwd|passwd)=(?P<pw>[^\s&;'\"]+)"
)
_PLACEHOLDER = re.compile(
    r"^(?:\$\{.*\}|\$\w+|\{.*\}|<.*>|%\(\w+\)s|%s|\*+|x+|\.\.\.|env:.*|keyring:.*)$", re.I
)
_lock = threading.Lock()  # detect-secrets keeps its settings in a module global


@dataclass(frozen=True)
class SecretFinding:
    file: str
    line: int
    kind: str

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.kind}"


def database_url_lines(text: str) -> Iterator[int]:
    """Line numbers holding a database URL with a password written into it."""
    for number, line in enumerate(text.splitlines(), start=1):
        if "pragma: allowlist secret" in line:
            continue
        for pattern in (_USERINFO, _PARAM):
            if any(not _PLACEHOLDER.match(m.group("pw")) for m in pattern.finditer(line)):
                yield number
                break


def _plugins() -> list[dict[str, str]]:
    names = {cls.__name__ for cls in get_mapping_from_secret_type_to_class().values()}
    return [{"name": n} for n in sorted(names - _LEFT_OUT)]


def _is_text(path: Path) -> bool:
    if path.suffix.lower() in _BINARY:
        return False
    try:
        if path.stat().st_size > MAX_BYTES:
            return False
        with path.open("rb") as fh:
            return b"\0" not in fh.read(8192)
    except OSError:
        return False


def scan_files(files: Iterable[tuple[Path, str]]) -> list[SecretFinding]:
    """Scan (path on disk, name to report) pairs; one finding per file, line and kind."""
    found: set[SecretFinding] = set()
    with _lock, transient_settings({"plugins_used": _plugins()}):
        for path, shown in files:
            if not _is_text(path):
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            db_lines = set(database_url_lines(text))
            found |= {SecretFinding(shown, n, DB_URL_KIND) for n in db_lines}
            for secret in scan_file(str(path)):
                if secret.type == "Basic Auth Credentials" and secret.line_number in db_lines:
                    continue  # the same URL, already named more precisely
                found.add(SecretFinding(shown, secret.line_number, secret.type))
    return sorted(found, key=lambda f: (f.file, f.line, f.kind))


def walk(root: Path) -> Iterator[Path]:
    """Files under a folder, leaving out virtual environments, VCS and cache folders."""
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS)
        for name in sorted(names):
            yield Path(folder) / name


def scan_folder(root: Path, shown_root: str | None = None) -> list[SecretFinding]:
    """Every text file under root, and the members of every zip (bundles) in it."""
    prefix = shown_root if shown_root is not None else str(root)
    plain, zips = [], []
    for path in walk(root):
        rel = path.relative_to(root).as_posix()
        shown = f"{prefix}{rel}" if not prefix or prefix.endswith("!") else f"{prefix}/{rel}"
        (zips if path.suffix.lower() == ".zip" else plain).append((path, shown))
    findings = scan_files(plain)
    for path, shown in zips:
        findings += scan_zip(path, shown)
    return findings


def scan_zip(path: Path, shown: str | None = None) -> list[SecretFinding]:
    """The text members of a zip, reported as `archive.zip!member`."""
    with tempfile.TemporaryDirectory(prefix="knotwork-audit-") as tmp:
        try:
            with zipfile.ZipFile(path) as zf:
                for m in zf.infolist():
                    name = Path(m.filename)
                    unsafe = name.is_absolute() or ".." in name.parts
                    if m.is_dir() or unsafe or m.file_size > MAX_BYTES:
                        continue  # never written outside the scratch folder; bombs skipped
                    target = Path(tmp) / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(zf.read(m))
        except zipfile.BadZipFile:
            return []
        return scan_folder(Path(tmp), f"{shown or path}!")


def scan_bytes(files: dict[str, bytes], shown_prefix: str = "") -> list[SecretFinding]:
    """Files held in memory (a bundle being built), written to a private folder to scan."""
    with tempfile.TemporaryDirectory(prefix="knotwork-audit-") as tmp:
        for rel, data in files.items():
            (Path(tmp) / rel).parent.mkdir(parents=True, exist_ok=True)
            (Path(tmp) / rel).write_bytes(data)
        return scan_folder(Path(tmp), shown_prefix)
