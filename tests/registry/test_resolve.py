"""registry:// URIs resolve to verified bundles; a corrupt or missing artifact is reported, never returned."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from studio.registry import (
    ArtifactError,
    NotFoundError,
    RegistryError,
    parse_uri,
    register_bundle,
    resolve,
)


def test_uri_resolves_environment_alias_and_version(registry, bundles):
    registry.register(bundles(version="1"))
    registry.register(bundles(version="2", C=2.0))
    registry.promote("churn:1", "dev")
    assert resolve("registry://churn@dev", registry) == Path(
        registry.version("churn", "1").artifact
    )
    assert resolve("registry://churn:2", registry) == Path(registry.version("churn", "2").artifact)
    assert resolve("registry://churn", registry) == Path(registry.version("churn", "2").artifact)
    with pytest.raises(NotFoundError, match="no version or alias 'prod'"):
        resolve("registry://churn@prod", registry)


@pytest.mark.parametrize(
    "uri", ["churn@dev", "registry://", "registry://@dev", "registry://churn@"]
)
def test_malformed_uri_is_refused(uri):
    with pytest.raises(RegistryError, match="expected registry://MODEL@ENV"):
        parse_uri(uri)


def test_corrupt_artifact_is_reported_not_returned(registry, bundles):
    info = registry.register(bundles(version="1"))
    registry.promote("churn:1", "dev")
    (Path(info.artifact) / "state" / "lr1.skops").write_bytes(b"bit rot")
    with pytest.raises(ArtifactError, match=r"churn:1: .*corrupt"):
        resolve("registry://churn@dev", registry)


def test_missing_artifact_is_reported(registry, bundles):
    info = registry.register(bundles(version="1", as_zip=True))
    Path(info.artifact).unlink()
    with pytest.raises(ArtifactError, match="missing"):
        registry.resolve("churn", "1")


def test_artifact_with_a_deleted_file_is_reported(registry, bundles):
    info = registry.register(bundles(version="1"))
    art = Path(info.artifact)
    shutil.rmtree(art / "reference")
    with pytest.raises(ArtifactError):
        registry.resolve("churn", "1")


def test_register_bundle_registers_into_dev_for_deploy(registry, bundles):
    info = register_bundle(bundles(version="1"), registry)
    assert info.promotion.status == "promoted"
    assert registry.alias_target("churn", "dev").version == "1"
