"""A container build context for one bundle: the server recipe (`packaging/server.Dockerfile`,
shipped beside this module) with the bundle, its pinned requirements and the public key that
verifies it, so `docker build DIR` needs nothing else and the image refuses a tampered bundle."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from studio.deploy.archive import verify_files
from studio.deploy.errors import BundleError
from studio.security.signing import TrustedKeys, trusted_keys

RECIPE = Path(__file__).with_name("server.Dockerfile")
PORT = 8080


@dataclass(frozen=True)
class ContainerContext:
    path: Path
    bundle: str  # the bundle's name inside the context: "bundle" (a folder) or "bundle.zip"
    image: str  # the tag the README suggests
    key_id: str | None  # the baked public key, None when it is to be mounted


def recipe(python_version: str, bundle: str, knotwork_spec: str) -> str:
    """The server recipe with its ARG defaults set for one bundle."""
    text = RECIPE.read_text(encoding="utf-8")
    for name, value in (
        ("PYTHON_VERSION", python_version),
        ("BUNDLE", bundle),
        ("KNOTWORK_SPEC", knotwork_spec),
    ):
        text, found = re.subn(rf"^ARG {name}=.*$", f"ARG {name}={value}", text, flags=re.M)
        if found != 1:
            raise BundleError(f"{RECIPE}: expected one 'ARG {name}=' line, found {found}")
    return text


def image_tag(manifest: dict) -> str:
    """A valid Docker tag from the bundle's name and version (`penguins:3`)."""
    name = re.sub(r"[^a-z0-9._-]+", "-", str(manifest.get("name") or "model").lower()).strip("-.")
    version = re.sub(r"[^A-Za-z0-9._-]+", "-", str(manifest.get("version") or "latest"))
    return f"{name or 'model'}:{version.strip('-.')[:128] or 'latest'}"


def _readme(manifest: dict, tag: str, key_id: str | None) -> str:
    keys = (
        f"The bundle is verified at start against the baked public key `keys/{key_id}.pub`."
        if key_id
        else "No public key is baked in: mount the signer's key at start, e.g.\n"
        "`-v ~/.config/knotwork/keys/trusted:/srv/knotwork/keys/trusted:ro`."
    )
    return f"""# {manifest.get("name")} version {manifest.get("version")}: container build context

Written by `knotwork bundle dockerfile`. Build the image, run it, ask it whether it is up:

    docker build -t {tag} . && docker run --rm -p {PORT}:{PORT} {tag}
    curl localhost:{PORT}/health

{keys}
Options of `knotwork serve` go after the image name
(`docker run ... {tag} --token-file /run/secrets/token`) or in `KNOTWORK_*` variables
(`-e KNOTWORK_TOKEN=...`). Scored rows are logged under the volume `/srv/workspace`.
`docker build --target server` builds the same server without the bundle (mount one at
`/srv/bundle`).
"""


def write_context(
    bundle: str | Path,
    output: str | Path,
    keys: TrustedKeys = None,
    wheels: Iterable[str | Path] = (),
    bake_key: bool = True,
) -> ContainerContext:
    """Verify `bundle`, then write its build context to the new folder `output` (all or nothing)."""
    source = Path(bundle)
    if not source.exists():
        raise BundleError(f"{source}: no such bundle")
    verified = verify_files(source, keys)  # never package a bundle the image would refuse
    manifest = verified.manifest
    out = Path(output)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BundleError(f"--output {out}: already exists and is not empty: choose a new folder")
    wheel_paths = [Path(w) for w in wheels]
    for w in wheel_paths:
        if w.suffix != ".whl" or not w.is_file():
            raise BundleError(f"--wheel {w}: not a wheel file (build one with `python -m build`)")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        name = "bundle" if source.is_dir() else "bundle.zip"
        if source.is_dir():
            shutil.copytree(source, work / name)
        else:
            shutil.copyfile(source, work / name)
        pins = verified.files.get("requirements.txt", b"# (this bundle records no pins)\n")
        (work / "requirements.txt").write_bytes(pins)
        (work / "wheels").mkdir()
        (work / "wheels" / "README.txt").write_text(
            "Knotwork wheels installed into the image (pip --find-links); may stay empty.\n"
        )
        for w in wheel_paths:
            shutil.copyfile(w, work / "wheels" / w.name)
        (work / "keys").mkdir()
        key_id = None
        if bake_key:
            key_id = verified.key_id
            pem = trusted_keys(keys)[key_id].public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            (work / "keys" / f"{key_id}.pub").write_bytes(pem)
        spec = (
            f"/tmp/wheels/{wheel_paths[-1].name}"
            if wheel_paths
            else f"knotwork=={manifest.get('knotwork_version')}"
        )
        python = ".".join(str(manifest.get("python_version") or "3.11").split(".")[:2])
        (work / "Dockerfile").write_text(recipe(python, name, spec), encoding="utf-8")
        tag = image_tag(manifest)
        (work / "README.md").write_text(_readme(manifest, tag, key_id), encoding="utf-8")
        if out.exists():
            out.rmdir()  # empty, checked above
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ContainerContext(out, name, tag, key_id)
