"""Reading and checking a bundle's files, whether a directory or a `.zip`.

Nothing in a bundle is trusted until `verify_files` has checked, in this order: that
no path escapes the bundle or is a symlink, that the manifest's signature comes from
a trusted key, and that the set of files and every SHA-256 match the manifest.
The verified bytes are what gets loaded, so a file cannot change in between.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from studio.security.signing import SigningError, TrustedKeys, trusted_keys, verify

from .errors import BundleIntegrityError

MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
MAX_BUNDLE_BYTES = 4 * 1024**3  # refuse zip bombs before inflating anything


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _safe_name(name: str, where: str) -> str:
    """Refuse absolute paths, `..`, backslashes and drive letters in a bundle entry."""
    p = PurePosixPath(name)
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or ":" in p.parts[0]
        or any(part in ("..", "") for part in p.parts)
    ):
        raise BundleIntegrityError(
            f"{where}: unsafe path {name!r} in the bundle (absolute or leaving the bundle): refusing it",
            file=name,
        )
    return p.as_posix()


def _read_zip(path: Path) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise BundleIntegrityError(
            f"{path}: not a readable zip file: {exc}", file=str(path)
        ) from None
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        names: set[str] = set()
        for info in infos:
            name = _safe_name(info.filename, str(path))
            if stat.S_ISLNK(info.external_attr >> 16):
                raise BundleIntegrityError(
                    f"{path}: {name} is a symbolic link: bundles may not contain links", file=name
                )
            if name in names:
                raise BundleIntegrityError(f"{path}: {name} appears twice in the zip", file=name)
            names.add(name)
        if sum(i.file_size for i in infos) > MAX_BUNDLE_BYTES:
            raise BundleIntegrityError(
                f"{path}: the zip would inflate beyond {MAX_BUNDLE_BYTES} bytes", file=str(path)
            )
        return {PurePosixPath(i.filename).as_posix(): zf.read(i) for i in infos}


def _read_dir(path: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for root, dirs, files in os.walk(path, followlinks=False):
        for name in sorted(dirs) + sorted(files):
            full = Path(root) / name
            rel = full.relative_to(path).as_posix()
            if full.is_symlink():
                raise BundleIntegrityError(
                    f"{path}: {rel} is a symbolic link: bundles may not contain links", file=rel
                )
        for name in files:
            full = Path(root) / name
            out[full.relative_to(path).as_posix()] = full.read_bytes()
    return out


def read_files(path: str | Path) -> dict[str, bytes]:
    """Every file of a bundle by relative POSIX path (checked for unsafe names and links)."""
    path = Path(path)
    if path.is_dir():
        return _read_dir(path)
    if path.is_file():
        return _read_zip(path)
    raise BundleIntegrityError(
        f"{path}: no bundle here (expected a bundle directory or .zip file)", file=str(path)
    )


@dataclass
class VerifiedFiles:
    manifest: dict[str, Any]
    files: dict[str, bytes]
    key_id: str


def verify_files(path: str | Path, keys: TrustedKeys = None) -> VerifiedFiles:
    """Check a bundle's paths, signature and hashes; raise BundleIntegrityError naming the first bad file."""
    files = read_files(path)
    raw = files.get(MANIFEST)
    if raw is None:
        raise BundleIntegrityError(
            f"{path}: {MANIFEST} is missing: this is not a Knotwork bundle", file=MANIFEST
        )
    try:
        manifest = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BundleIntegrityError(
            f"{path}: {MANIFEST} is not valid JSON: {exc}", file=MANIFEST
        ) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise BundleIntegrityError(
            f"{path}: {MANIFEST} has no 'files' table of hashes", file=MANIFEST
        )
    sig_raw = files.get(SIGNATURE)
    if sig_raw is None:
        raise BundleIntegrityError(
            f"{path}: {SIGNATURE} is missing: the bundle is not signed", file=SIGNATURE
        )
    try:
        document = json.loads(sig_raw)
        kid = verify(raw, document, trusted_keys(keys))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BundleIntegrityError(
            f"{path}: {SIGNATURE} is not valid JSON", file=SIGNATURE
        ) from None
    except SigningError as exc:
        raise BundleIntegrityError(f"{path}: {exc}", file=MANIFEST) from None
    listed: dict[str, str] = manifest["files"]
    for name in sorted(listed):
        _safe_name(name, f"{path}: {MANIFEST}")
        if name not in files:
            raise BundleIntegrityError(
                f"{path}: {name} is listed in the manifest but missing", file=name
            )
    for name in sorted(files):
        if name not in listed and name not in (MANIFEST, SIGNATURE):
            raise BundleIntegrityError(
                f"{path}: {name} is not listed in the manifest (a file was added)", file=name
            )
    for name in sorted(listed):
        if sha256(files[name]) != listed[name]:
            raise BundleIntegrityError(
                f"{path}: {name} was altered (its SHA-256 does not match the manifest)", file=name
            )
    return VerifiedFiles(manifest, files, kid)


def write_zip(files: dict[str, bytes], target: Path) -> None:
    """A deterministic zip (sorted entries, fixed timestamps) of a bundle's files."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name])
