"""Content-addressed artifact folder: each registered bundle is copied under its SHA-256.

A copy is written into a private `.incoming-*` folder and renamed into place only when
complete, so a crash leaves either nothing or a whole artifact (never half a bundle);
a version row referencing it is committed only after that rename.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from .bundles import CHUNK, bundle_files, content_sha256, is_zip, tree_sha256
from .errors import ArtifactError, RegistryError

INCOMING = ".incoming-"


@dataclass(frozen=True)
class StoredArtifact:
    sha256: str
    relpath: str  # relative to the artifact root, posix
    format: str  # "dir" | "zip"
    created: bool  # False when an identical artifact was already stored


def _copy_hashing(src: Path, dst: Path) -> str:
    h = hashlib.sha256()
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        while chunk := fin.read(CHUNK):
            h.update(chunk)
            fout.write(chunk)
        fout.flush()
        os.fsync(fout.fileno())
    return h.hexdigest()


class ArtifactStore:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path(self, relpath: str) -> Path:
        return self.root / relpath

    def put(self, src: str | Path) -> StoredArtifact:
        src = Path(src)
        if not (src.is_dir() or is_zip(src)):
            raise RegistryError(f"{src}: not a bundle (expected a directory or a .zip file)")
        self.root.mkdir(parents=True, exist_ok=True)
        self.sweep_incoming()
        incoming = self.root / f"{INCOMING}{os.getpid()}-{uuid.uuid4().hex[:8]}"
        incoming.mkdir()
        try:
            if is_zip(src):
                fmt, staged = "zip", incoming / "bundle.zip"
                sha = _copy_hashing(src, staged)
            else:
                fmt, staged = "dir", incoming / "bundle"
                hashes = {}
                for f in bundle_files(src):
                    rel = f.relative_to(src).as_posix()
                    (staged / rel).parent.mkdir(parents=True, exist_ok=True)
                    hashes[rel] = _copy_hashing(f, staged / rel)
                sha = tree_sha256(hashes)
            relpath = f"{sha[:2]}/{sha}" + (".zip" if fmt == "zip" else "")
            final = self.root / relpath
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                try:
                    self.check(relpath, sha)
                    return StoredArtifact(sha, relpath, fmt, created=False)
                except ArtifactError:
                    self._remove(final)  # a damaged earlier copy: replace it with this good one
            try:
                os.replace(staged, final)
            except OSError:
                # Another process stored the same content a moment ago: theirs is as good.
                self.check(relpath, sha)
                return StoredArtifact(sha, relpath, fmt, created=False)
            return StoredArtifact(sha, relpath, fmt, created=True)
        finally:
            shutil.rmtree(incoming, ignore_errors=True)

    def check(self, relpath: str, sha256: str) -> Path:
        """Return the artifact's path if it exists and still hashes to `sha256`."""
        path = self.path(relpath)
        if not path.exists():
            raise ArtifactError(
                f"artifact {relpath} is missing from {self.root}: the bundle was deleted or moved"
            )
        actual = content_sha256(path)
        if actual != sha256:
            raise ArtifactError(
                f"artifact {relpath} is corrupt: its content hashes to {actual[:12]}…, the registry recorded "
                f"{sha256[:12]}…; re-register the bundle or restore the file from a backup"
            )
        return path

    def discard(self, artifact: StoredArtifact) -> None:
        """Remove an artifact that this call created but that no version will reference."""
        if artifact.created:
            self._remove(self.path(artifact.relpath))

    def sweep_incoming(self) -> None:
        """Remove half-written copies left by processes that died mid-copy."""
        for d in self.root.glob(f"{INCOMING}*"):
            try:
                pid = int(d.name[len(INCOMING) :].split("-", 1)[0])
            except ValueError:
                continue
            if not _alive(pid):
                shutil.rmtree(d, ignore_errors=True)

    @staticmethod
    def _remove(path: Path) -> None:
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            path.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
