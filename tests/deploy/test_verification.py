"""A bundle is refused before anything is loaded when a file, the manifest or the
signature does not check out, when it holds an untrusted type, or unsafe paths."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.preprocessing import FunctionTransformer

from studio.core.fileformat import dumps
from studio.deploy import (
    Bundle,
    BundleIntegrityError,
    UntrustedTypeError,
    build_bundle,
    verify_bundle,
)
from studio.deploy.archive import sha256
from studio.security.signing import default_signing_key, generate_key, load_private_key, sign

from .conftest import scoring_workflow


@pytest.fixture(scope="module", autouse=True)
def knotwork_home(tmp_path_factory):
    """One key folder for the module, so one bundle build serves every test."""
    with pytest.MonkeyPatch.context() as mp:
        home = tmp_path_factory.mktemp("knotwork-home")
        mp.setenv("KNOTWORK_HOME", str(home))
        yield home


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, penguins_df, knotwork_home):
    folder = tmp_path_factory.mktemp("pristine")
    csv = folder / "penguins.csv"
    penguins_df.dropna().to_csv(csv, index=False)
    return build_bundle(scoring_workflow(csv), folder / "b").path


@pytest.fixture
def bundle_dir(pristine, tmp_path):
    """A fresh copy of a valid bundle for each test to tamper with."""
    return Path(shutil.copytree(pristine, tmp_path / "b"))


def _state_file(path) -> str:
    return next(
        p.relative_to(path).as_posix()
        for p in sorted((path / "state").iterdir())
        if p.suffix == ".skops"
    )


def _resign(path, manifest, key=None) -> None:
    """Rewrite the manifest and sign it, as an attacker holding `key` could."""
    key = key or default_signing_key()[0]
    raw = dumps(manifest).encode()
    (path / "manifest.json").write_bytes(raw)
    (path / "signature.json").write_text(json.dumps(sign(raw, key)))


def test_an_altered_state_file_is_refused_before_its_contents_are_read(bundle_dir):
    state = _state_file(bundle_dir)
    # The new content is a skops file of an untrusted type: if loading came first we
    # would see UntrustedTypeError; the hash check must stop it earlier.
    (bundle_dir / state).write_bytes(sio.dumps(FunctionTransformer(func=os.system)))
    with pytest.raises(BundleIntegrityError, match="was altered") as err:
        Bundle.load(bundle_dir)
    assert err.value.file == state


def test_an_altered_manifest_breaks_the_signature(bundle_dir):
    m = json.loads((bundle_dir / "manifest.json").read_text())
    m["version"] = "99"
    (bundle_dir / "manifest.json").write_text(dumps(m))
    with pytest.raises(BundleIntegrityError, match="signature does not match") as err:
        Bundle.load(bundle_dir)
    assert err.value.file == "manifest.json"


def test_a_signature_by_an_untrusted_key_is_refused_and_accepted_once_that_key_is_trusted(
    bundle_dir, tmp_path
):
    other = generate_key(tmp_path / "mallory", trust=False)
    _resign(
        bundle_dir,
        json.loads((bundle_dir / "manifest.json").read_text()),
        load_private_key(other.private_path),
    )
    with pytest.raises(BundleIntegrityError, match="not trusted"):
        Bundle.load(bundle_dir)
    assert Bundle.load(bundle_dir, trusted_keys=other.public_path).key_id == other.key_id


def test_added_and_missing_files_are_refused(bundle_dir):
    (bundle_dir / "state" / "extra.skops").write_bytes(b"x")
    with pytest.raises(BundleIntegrityError, match="not listed") as err:
        verify_bundle(bundle_dir)
    assert err.value.file == "state/extra.skops"
    (bundle_dir / "state" / "extra.skops").unlink()
    (bundle_dir / "openapi.json").unlink()
    with pytest.raises(BundleIntegrityError, match="missing") as err:
        verify_bundle(bundle_dir)
    assert err.value.file == "openapi.json"


def test_a_state_file_holding_an_untrusted_type_is_refused_naming_the_type(bundle_dir):
    state = _state_file(bundle_dir)
    (bundle_dir / state).write_bytes(sio.dumps(FunctionTransformer(func=os.system)))
    m = json.loads((bundle_dir / "manifest.json").read_text())
    m["files"][state] = sha256((bundle_dir / state).read_bytes())
    _resign(
        bundle_dir, m
    )  # integrity and signature now check out: the trust list is the last guard
    verify_bundle(bundle_dir)
    with pytest.raises(UntrustedTypeError, match=r"system") as err:
        Bundle.load(bundle_dir)
    assert err.value.file == state and any("system" in t for t in err.value.types)


def _zip_with(entries: dict[str, bytes], target, symlink: str | None = None):
    with zipfile.ZipFile(target, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = 0o120777 << 16
            zf.writestr(info, "/etc/passwd")
    return target


def test_a_zip_with_parent_or_absolute_paths_is_refused(bundle_dir, tmp_path):
    files = {
        p.relative_to(bundle_dir).as_posix(): p.read_bytes()
        for p in bundle_dir.rglob("*")
        if p.is_file()
    }
    for bad in ("../evil.txt", "state/../../evil.txt", "/etc/evil.txt"):
        target = _zip_with({**files, bad: b"boom"}, tmp_path / "evil.zip")
        with pytest.raises(BundleIntegrityError, match="unsafe path"):
            Bundle.load(target)
        target.unlink()
    assert not (tmp_path / "evil.txt").exists()


def test_symlinks_are_refused_in_zips_and_folders(bundle_dir, tmp_path):
    files = {
        p.relative_to(bundle_dir).as_posix(): p.read_bytes()
        for p in bundle_dir.rglob("*")
        if p.is_file()
    }
    with pytest.raises(BundleIntegrityError, match="symbolic link"):
        Bundle.load(_zip_with(files, tmp_path / "link.zip", symlink="state/link"))
    copy = tmp_path / "copy"
    shutil.copytree(bundle_dir, copy)
    (copy / "reference" / "link").symlink_to("/etc/hostname")
    with pytest.raises(BundleIntegrityError, match="symbolic link"):
        Bundle.load(copy)
