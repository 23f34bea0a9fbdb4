"""The sdist and the wheel `python -m build` makes (the wheel built from the sdist, as pip
and distributors do): the sdist is the whole project, the wheel the installable packages
with their data, licence and entry points, and neither carries caches."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from studio._version import __version__

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dists(tmp_path_factory) -> dict[str, list[str]]:
    pytest.importorskip("build", reason="python -m build comes with the dev extra")
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = out.glob("knotwork-*.tar.gz")
    (wheel,) = out.glob("knotwork-*.whl")
    with tarfile.open(sdist) as tar:
        prefix = f"knotwork-{__version__}/"
        sdist_names = [m.name.removeprefix(prefix) for m in tar.getmembers() if m.isfile()]
    with zipfile.ZipFile(wheel) as z:
        wheel_names = z.namelist()
        entry_points = z.read(f"knotwork-{__version__}.dist-info/entry_points.txt").decode()
        metadata = z.read(f"knotwork-{__version__}.dist-info/METADATA").decode()
    return {
        "sdist": sdist_names,
        "wheel": wheel_names,
        "entry_points": entry_points.splitlines(),
        "metadata": metadata.splitlines(),
    }


def test_the_wheel_holds_the_packages_their_data_the_licence_and_entry_points(dists):
    wheel = set(dists["wheel"])
    for name in (
        "studio/cli/main.py",
        "studio/gui/app.py",
        "nodes/catalog.py",
        "studio/deploy/server.Dockerfile",  # `knotwork bundle dockerfile` reads it
        "nodes/components/library/standard-preprocessing.knotwork-component.json",
        "studio/registry/migrations/versions/0001_initial.py",
        f"knotwork-{__version__}.dist-info/licenses/LICENSE",
    ):
        assert name in wheel, name
    assert not [n for n in wheel if n.split("/")[0] in ("tests", "benchmarks", "packaging")]
    assert "knotwork = studio.cli.main:main" in dists["entry_points"]
    assert "builtin = nodes.catalog:builtin_node_types" in dists["entry_points"]
    assert "License-Expression: Apache-2.0" in dists["metadata"]


def test_the_sdist_holds_every_file_the_repository_tracks(dists):
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("not a git checkout")
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    sdist = set(dists["sdist"])
    missing = [n for n in tracked if n not in sdist and n != ".gitignore"]
    assert not missing, f"add to MANIFEST.in: {missing[:20]}"


def test_neither_distribution_carries_caches_or_local_state(dists):
    for kind in ("sdist", "wheel"):
        bad = [
            n
            for n in dists[kind]
            if "__pycache__" in n
            or n.endswith(".pyc")
            or ".knotwork/" in n
            or ".postgres-url" in n
            or "benchmarks/.cache/" in n  # peers' venvs and generated data (gigabytes)
        ]
        assert not bad, f"{kind}: {bad[:10]}"


def test_the_extras_bring_the_packaging_tools():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert any(r.startswith("build>=") for r in extras["dev"])
    assert any(r.startswith("pyinstaller>=") for r in extras["package"])
    assert any(r.startswith("PySide6") for r in extras["package"])
    assert project["license"] == "Apache-2.0" and project["license-files"] == ["LICENSE"]
    assert "Apache License" in (ROOT / "LICENSE").read_text().split("\n", 3)[1]
