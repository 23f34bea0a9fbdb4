"""Registry fixtures: signed bundles written from manifests (no training needed), and a
registry URL per backend — SQLite always, PostgreSQL when KNOTWORK_TEST_POSTGRES_URL (or
the file `.ci/postgres.sh start` writes) names a server; then each test gets a fresh database."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from .factory import write_bundle

PG_URL_FILE = Path(os.environ.get("KNOTWORK_PG_STATE", "/tmp/knotwork-postgres")) / "url"


def postgres_url() -> str | None:
    url = os.environ.get("KNOTWORK_TEST_POSTGRES_URL")
    if not url and PG_URL_FILE.is_file():
        url = PG_URL_FILE.read_text().strip()
    return url or None


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory, monkeypatch):
    """Keys, workspace and registry variables of the developer's machine never leak in."""
    home = tmp_path_factory.mktemp("kwhome")
    monkeypatch.setenv("KNOTWORK_HOME", str(home))
    for var in (
        "KNOTWORK_REGISTRY_URL",
        "KNOTWORK_REGISTRY_TOKEN",
        "KNOTWORK_REGISTRY_POLICY",
        "KNOTWORK_REGISTRY_ARTIFACTS",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ws' / '.knotwork' / 'registry.db'}"
        return
    base = postgres_url()
    if not base:
        pytest.skip(
            "KNOTWORK_TEST_POSTGRES_URL is not set (start a server with `bash .ci/postgres.sh start`)"
        )
    name = f"kw_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = base.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as c:
            c.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def registry_factory(db_url, tmp_path):
    """Open registries on the test database; closes them all afterwards."""
    from studio.registry import Registry, RegistryConfig

    opened = []

    def open_(token: str | None = None, config: RegistryConfig | dict | None = None):
        if isinstance(config, dict):
            config = RegistryConfig.model_validate(config)
        reg = Registry(
            db_url,
            artifacts=tmp_path / "ws" / ".knotwork" / "artifacts",
            workspace=tmp_path / "ws",
            token=token,
            config=config,
        )
        opened.append(reg)
        return reg

    yield open_
    for reg in opened:
        reg.close()


@pytest.fixture
def registry(registry_factory):
    return registry_factory()


@pytest.fixture
def bundles(tmp_path):
    """bundles(version="2", C=0.5, ...) writes a bundle under tmp_path/bundles."""
    return lambda **kw: write_bundle(tmp_path / "bundles", **kw)
