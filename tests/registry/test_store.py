"""Registration: artifacts by content hash, lineage, idempotence, crash safety, schema guard."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from studio.registry import Registry, RegistryError, SchemaTooNewError
from studio.registry.database import head_revision

ROOT = Path(__file__).resolve().parents[2]


def test_registered_bundle_is_copied_by_content_hash_and_listed(registry, bundles):
    info = registry.register(bundles(version="1"))
    stored = Path(info.artifact)
    assert stored.is_dir() and stored.name == info.sha256
    assert (stored / "manifest.json").is_file()
    assert [m.name for m in registry.models()] == ["churn"]
    assert registry.version("churn", "1").lineage.source_sha256 == "ab" * 32


def test_zip_bundle_is_stored_as_one_file(registry, bundles):
    info = registry.register(bundles(version="3", as_zip=True))
    assert info.format == "zip" and Path(info.artifact).suffix == ".zip"
    assert registry.resolve("churn", "3") == Path(info.artifact)


def test_registering_the_same_bundle_twice_is_a_no_op(registry, bundles):
    b = bundles(version="1")
    first = registry.register(b)
    again = registry.register(b)
    assert again.already_registered and again.sha256 == first.sha256
    assert len(registry.model("churn").versions) == 1


def test_same_version_with_different_content_is_refused(registry, bundles, tmp_path):
    registry.register(bundles(version="1"))
    other = tmp_path / "other"
    from .factory import write_bundle

    with pytest.raises(RegistryError, match="already registered with different content"):
        registry.register(write_bundle(other, version="1", C=9.0))


def test_bundle_with_altered_file_is_not_registered(registry, bundles):
    b = bundles(version="1")
    (b / "state" / "lr1.skops").write_bytes(b"tampered")
    with pytest.raises(RegistryError, match="lr1.skops"):
        registry.register(b)
    assert registry.models() == []
    assert not list(registry.artifacts.root.glob("*/*"))


def test_lineage_records_git_commit_when_workflow_is_committed(registry, tmp_path):
    from .factory import write_bundle

    repo = tmp_path / "repo"
    repo.mkdir()
    wf = repo / "train.knotwork.json"
    wf.write_text('{"format_version": 1}\n')

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True)

    git("init", "-q")
    git("add", wf.name)
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-q", "-m", "wf")
    head = git("rev-parse", "HEAD").stdout.strip()
    b = write_bundle(tmp_path / "b", version="1")
    manifest = json.loads((b / "manifest.json").read_text())
    import hashlib

    manifest["source"] = {"path": str(wf), "sha256": hashlib.sha256(wf.read_bytes()).hexdigest()}
    (b / "manifest.json").write_text(json.dumps(manifest))
    (b / "signature.json").unlink()
    info = registry.register(b)
    assert info.lineage.git_commit == head
    assert info.lineage.data_fingerprints  # reference profile hashes


def test_default_registry_is_a_wal_sqlite_file_in_the_workspace(tmp_path, bundles):
    ws = tmp_path / "workspace"
    with Registry(workspace=ws) as reg:
        reg.register(bundles(version="1"))
        assert reg.url == f"sqlite:///{ws / '.knotwork' / 'registry.db'}"
        with reg.engine.connect() as c:
            assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert (ws / ".knotwork" / "artifacts").is_dir()


def test_database_newer_than_the_code_is_refused_with_a_clear_error(db_url, tmp_path):
    Registry(db_url, artifacts=tmp_path / "a").close()
    engine = sa.create_engine(db_url)
    with engine.begin() as c:
        c.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(SchemaTooNewError, match="newer Knotwork"):
        Registry(db_url, artifacts=tmp_path / "a")


def test_crash_between_artifact_copy_and_commit_leaves_no_version(
    db_url, tmp_path, bundles, _isolated_home
):
    """A process killed after copying the artifact but before committing its row: the
    version is invisible, and registering again afterwards works."""
    b = bundles(version="1")
    script = textwrap.dedent(f"""
        import os
        from studio.registry import registration, store
        def crash(*a, **k):
            os._exit(9)
        registration.version_from_manifest = crash
        reg = store.Registry({db_url!r}, artifacts={str(tmp_path / "art")!r})
        reg.register({str(b)!r})
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**__import__("os").environ, "KNOTWORK_HOME": str(_isolated_home)},
    )
    assert proc.returncode == 9, proc.stderr
    with Registry(db_url, artifacts=tmp_path / "art") as reg:
        assert reg.models() == [] or reg.models()[0].versions == 0
        assert reg.log() == []
        info = reg.register(b)
        assert reg.resolve("churn", "1") == Path(info.artifact)


def test_older_schema_is_upgraded_on_open(db_url, tmp_path):
    """A database left at revision 0001 by an older Knotwork gets the later tables and
    columns when this one opens it; its old audit entries stay, outside the hash chain."""
    from studio.registry.database import create_registry_engine, upgrade_schema

    old = create_registry_engine(db_url)
    assert upgrade_schema(old, "0001") == "0001"
    with old.begin() as c:
        c.execute(
            sa.text(
                "INSERT INTO registry_audit (at, actor, role, action, model, version, environment, outcome, "
                "reason, details) VALUES ('2026-01-01T00:00:00Z', 'old', 'admin', 'register', 'm', '1', '', 'ok', '', '{}')"
            )
        )
    old.dispose()
    with Registry(db_url, artifacts=tmp_path / "a") as reg:
        assert reg.schema_revision == head_revision() != "0001"
        assert reg.log()[0].actor == "old"
        assert reg.verify_audit().unchained == 1
    engine = sa.create_engine(db_url)
    with engine.connect() as c:
        assert (
            c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
            == head_revision()
        )
        assert c.execute(sa.text("SELECT count(*) FROM registry_settings")).scalar() == 1
    engine.dispose()


def test_server_knowing_only_the_url_finds_the_artifact_folder(db_url, tmp_path, bundles):
    with Registry(db_url, artifacts=tmp_path / "shared-artifacts") as reg:
        reg.register(bundles(version="1"))
    with Registry(db_url, workspace=tmp_path / "elsewhere") as reg:
        assert reg.resolve("churn", "1").parent.parent == (tmp_path / "shared-artifacts").resolve()


@pytest.mark.parametrize("name", ["churn@prod", "a:b", "has space", "../up"])
def test_names_that_would_break_references_are_refused(registry, bundles, name):
    with pytest.raises(RegistryError, match="cannot be registered"):
        registry.register(bundles(version="1"), name=name)
    assert registry.models() == []
