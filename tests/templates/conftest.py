"""Each fault-line template copied into a fresh folder (as `knotwork templates copy` does)
and driven through its own walkthrough with the real CLI, registry and bundles."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.cli.main import main
from studio.core.templates import copy_template_to, template_named


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """A workspace of its own: registry, monitoring store and copies live here."""
    ws = tmp_path / "ws"
    ws.mkdir()
    monkeypatch.setenv("KNOTWORK_WORKSPACE", str(ws))
    monkeypatch.delenv("KNOTWORK_REGISTRY_URL", raising=False)
    monkeypatch.delenv("KNOTWORK_MONITOR_URL", raising=False)
    monkeypatch.chdir(ws)
    return ws


@pytest.fixture
def copied(workspace):
    """copied("parity") -> the workflow file of a fresh copy of that template."""

    def copy(name: str) -> Path:
        return copy_template_to(template_named(name), workspace / name)

    return copy


@pytest.fixture
def knotwork(capsys):
    """knotwork("deploy", ...) -> (exit code, stdout + stderr) of the real command line."""

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out + out.err

    return run
