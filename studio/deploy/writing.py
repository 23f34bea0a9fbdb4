"""Writing a finished bundle: its signed manifest, and the rename that puts it in place whole."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from studio.core.fileformat import dumps
from studio.security.signing import Signer

from .archive import MANIFEST, SIGNATURE, write_zip


def write_manifest(folder: Path, manifest: dict[str, Any], signer: Signer) -> None:
    raw = dumps(manifest).encode()
    (folder / MANIFEST).write_bytes(raw)
    (folder / SIGNATURE).write_bytes(dumps(signer.sign(raw)).encode())


def move_into_place(tmp: Path, target: Path, as_zip: bool) -> None:
    """Rename the finished bundle over the target; an older bundle there is replaced whole."""
    if as_zip:
        files = {
            p.relative_to(tmp).as_posix(): p.read_bytes()
            for p in sorted(tmp.rglob("*"))
            if p.is_file()
        }
        fd, tmp_zip = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        try:
            write_zip(files, Path(tmp_zip))
            os.replace(tmp_zip, target)
        finally:
            if os.path.exists(tmp_zip):
                os.unlink(tmp_zip)
        return
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.rename(target, old)
    os.chmod(tmp, 0o755)  # mkdtemp makes it private; a bundle is meant to be shared
    os.rename(tmp, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
