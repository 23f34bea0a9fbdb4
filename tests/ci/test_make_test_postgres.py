"""`make test` runs the PostgreSQL tests on a fresh clone when it can, and says so when it cannot."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "with-postgres.sh"


def _postgres_available() -> bool:
    return bool(list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))) or (
        shutil.which("initdb") is not None
    )


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KNOTWORK_TEST_POSTGRES")}
    env.pop("KNOTWORK_PG_STATE", None)
    env.update(extra)
    return env


@pytest.mark.skipif(not _postgres_available(), reason="Debian's postgresql is not installed")
def test_the_wrapper_starts_a_reachable_postgres_and_removes_it_afterwards(tmp_path):
    probe = (
        "import os, sqlalchemy as sa; url = os.environ['KNOTWORK_TEST_POSTGRES_URL'];"
        "e = sa.create_engine(url);"
        "print('state', os.environ['KNOTWORK_PG_STATE']);"
        "print('answer', e.connect().execute(sa.text('select 41 + 1')).scalar())"
    )
    out = subprocess.run(
        ["bash", str(SCRIPT), sys.executable, "-c", probe],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "answer 42" in out.stdout
    state = out.stdout.split("state ", 1)[1].split()[0]
    assert not Path(state).exists(), "the throwaway cluster must be deleted after the run"


def test_the_summary_says_plainly_when_postgres_tests_were_skipped():
    out = subprocess.run(
        [
            "bash",
            str(SCRIPT),
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-q",
            str(ROOT / "tests" / "registry" / "test_audit.py"),
        ],
        env=_env(KNOTWORK_TEST_NO_POSTGRES="1"),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert out.returncode == 0, out.stdout[-2000:]
    assert "PostgreSQL NOT TESTED" in out.stdout
    assert "KNOTWORK_TEST_NO_POSTGRES is set" in out.stdout
