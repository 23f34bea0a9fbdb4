"""The server container recipe and `knotwork bundle dockerfile`: no Docker engine here, so
the files are read as Docker would, and the image's ENTRYPOINT is started as Docker would
start it (its argv, its ENV, arguments after the image name appended) against a real bundle."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest

from studio.cli.main import main
from studio.deploy.archive import verify_files
from studio.deploy.container import RECIPE, recipe

from .conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
SOURCE_RECIPE = ROOT / "packaging" / "server.Dockerfile"


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    out, pending = [], ""
    for line in text.splitlines():
        if line.lstrip().startswith("#") and not pending:
            continue
        pending += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if line.endswith("\\") or not pending:
            continue
        word, _, rest = pending.partition(" ")
        out.append((word.upper(), rest.strip()))
        pending = ""
    return out


def stage(text: str, name: str) -> list[tuple[str, str]]:
    """The instructions of one build stage (`FROM ... AS name`)."""
    found, current = [], None
    for word, rest in instructions(text):
        if word == "FROM":
            current = rest.split()[-1]
        elif current == name:
            found.append((word, rest))
    return found


def one(items: list[tuple[str, str]], word: str) -> str:
    values = [rest for w, rest in items if w == word]
    assert len(values) == 1, f"expected one {word}, found {values}"
    return values[0]


def env_of(items: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in items:
        if word == "ENV":
            env.update(pair.split("=", 1) for pair in shlex.split(rest))
    return env


def test_the_recipe_shipped_in_the_package_is_the_one_in_packaging():
    assert RECIPE.read_bytes() == SOURCE_RECIPE.read_bytes(), (
        "cp packaging/server.Dockerfile studio/deploy/server.Dockerfile"
    )


def test_the_server_image_is_slim_non_root_checks_health_and_serves_on_all_interfaces():
    text = SOURCE_RECIPE.read_text()
    server = stage(text, "server")
    base = [rest for word, rest in instructions(text) if word == "FROM"][0]
    assert base.startswith("python:${PYTHON_VERSION}-slim")
    user = one(server, "USER")
    assert user not in ("root", "0") and "useradd" in one(server, "RUN")
    entry = json.loads(one(server, "ENTRYPOINT"))
    assert entry[:3] == ["knotwork", "serve", "/srv/bundle"]
    port = entry[entry.index("--port") + 1]
    assert entry[entry.index("--host") + 1] == "0.0.0.0"
    assert one(server, "EXPOSE") == port
    health = json.loads(one(server, "HEALTHCHECK").split("CMD", 1)[1])
    assert health[0] == "python" and f"http://127.0.0.1:{port}/health" in health[-1]
    # The bundle is root's and read-only to the server user; the workspace is its own.
    bundled = stage(text, "bundled")
    assert one(bundled, "COPY") == "${BUNDLE} /srv/bundle"
    assert env_of(server)["KNOTWORK_WORKSPACE"] == one(server, "WORKDIR")


def test_recipe_fills_in_the_bundles_python_bundle_name_and_knotwork():
    text = recipe("3.12", "bundle.zip", "knotwork==9.9")
    assert "ARG PYTHON_VERSION=3.12" in text and "ARG BUNDLE=bundle.zip" in text
    assert "ARG KNOTWORK_SPEC=knotwork==9.9" in text


@pytest.fixture(scope="module")
def bundle_zip(bundle_path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("zipped") / "penguins.zip"
    with zipfile.ZipFile(out, "w") as z:
        for f in sorted(bundle_path.rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(bundle_path).as_posix())
    return out


@pytest.fixture(scope="module")
def context(bundle_zip, knotwork_home, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("contexts") / "penguins-image"
    assert main(["bundle", "dockerfile", str(bundle_zip), "--output", str(out)]) == 0
    return out


def test_bundle_dockerfile_writes_a_complete_build_context(context, bundle_zip):
    assert (context / "bundle.zip").read_bytes() == bundle_zip.read_bytes()
    dockerfile = (context / "Dockerfile").read_text()
    assert "ARG BUNDLE=bundle.zip" in dockerfile
    assert f"ARG PYTHON_VERSION={sys.version_info.major}.{sys.version_info.minor}" in dockerfile
    pins = (context / "requirements.txt").read_text()
    assert "scikit-learn==" in pins and "fastapi==" in pins
    # Every COPY source of the recipe exists in the context.
    for word, rest in instructions(dockerfile):
        if word == "COPY" and not rest.startswith("${"):
            assert (context / rest.split()[0]).exists(), rest
    # The baked key alone verifies the bundle, as the image will at start.
    (key,) = (context / "keys").glob("*.pub")
    assert verify_files(context / "bundle.zip", [key]).key_id == key.stem
    readme = (context / "README.md").read_text()
    assert "docker build -t penguins:1 ." in readme and "docker run --rm -p 8080:8080" in readme


def test_bundle_dockerfile_refuses_a_non_empty_folder_and_a_tampered_bundle(
    bundle_path, knotwork_home, tmp_path, capsys
):
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("mine")
    assert main(["bundle", "dockerfile", str(bundle_path), "--output", str(taken)]) == 2
    assert "not empty" in capsys.readouterr().err and (taken / "x").read_text() == "mine"

    bad = tmp_path / "bad"
    shutil.copytree(bundle_path, bad)
    (bad / "requirements.txt").write_text("evil==1\n")
    assert main(["bundle", "dockerfile", str(bad), "--output", str(tmp_path / "out")]) == 2
    assert "requirements.txt" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_bundle_dockerfile_without_a_key_bakes_a_folder_bundle_and_no_key(
    bundle_path, knotwork_home, tmp_path
):
    out = tmp_path / "ctx"
    assert main(["bundle", "dockerfile", str(bundle_path), "--output", str(out), "--no-key"]) == 0
    assert (out / "bundle" / "manifest.json").is_file()
    assert not list((out / "keys").glob("*.pub"))
    assert "mount the signer's key" in (out / "README.md").read_text()


def _drain(stream, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


def test_the_images_entrypoint_serves_the_baked_bundle_and_answers_health(context, tmp_path):
    """`docker run IMAGE --host 127.0.0.1 --port P`, outside a container: the ENTRYPOINT argv
    with the image's paths mapped into tmp_path and the run's arguments appended."""
    dockerfile = (context / "Dockerfile").read_text()
    server = stage(dockerfile, "server")
    image_root = tmp_path / "srv"
    (image_root / "knotwork" / "keys").mkdir(parents=True)
    os.symlink(context / "keys", image_root / "knotwork" / "keys" / "trusted")
    os.symlink(context / "bundle.zip", image_root / "bundle")
    env = {name: value.replace("/srv", str(image_root)) for name, value in env_of(server).items()}
    Path(env["KNOTWORK_WORKSPACE"]).mkdir()
    entry = json.loads(one(server, "ENTRYPOINT"))
    entry = [arg.replace("/srv", str(image_root)) for arg in entry]
    entry[0] = str(Path(sys.executable).with_name(entry[0]))  # this environment's knotwork
    port = free_port()
    proc = subprocess.Popen(
        [*entry, "--host", "127.0.0.1", "--port", str(port)],
        cwd=env["KNOTWORK_WORKSPACE"],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=_drain, args=(proc.stdout, lines), daemon=True)
    reader.start()
    try:
        pace = threading.Event()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as c:
            deadline = time.monotonic() + 180  # a loaded 2-core machine starts slowly
            status = None
            while time.monotonic() < deadline and status != 200:
                assert proc.poll() is None, "".join(lines)
                try:
                    status = c.get("/health").status_code
                except httpx.TransportError:
                    pace.wait(0.05)
            assert status == 200, "".join(lines)
            assert c.get("/ready").json()["model"] == "penguins"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        reader.join(timeout=5)
    output = "".join(lines)
    assert "Serving penguins version 1" in output
    # `docker stop` sends SIGTERM: uvicorn finishes gracefully, then re-raises the signal.
    assert "Finished server process" in output and proc.returncode in (0, -15)
