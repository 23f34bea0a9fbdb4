"""The node catalogue comes from the `knotwork.nodes` entry points only: a source tree that
was never installed gets an error saying how to install it, not a silent import of `nodes`."""

from __future__ import annotations

import pytest

from studio.core import catalog
from studio.core.errors import KnotworkError, NoNodeTypesError


def test_the_installed_package_registers_the_builtin_nodes_through_its_entry_point():
    names = [ep.value for ep in catalog.entry_points(group=catalog.ENTRY_POINT_GROUP)]
    assert "nodes.catalog:builtin_node_types" in names
    assert "learners.logistic_regression" in catalog.default_catalog()


def test_no_registered_node_types_is_an_error_saying_to_install_the_package(monkeypatch):
    # An environment where no distribution declares the entry point group.
    monkeypatch.setattr(catalog, "entry_points", lambda group: [])
    build = catalog.default_catalog.__wrapped__  # past the cache the rest of the session shares
    with pytest.raises(NoNodeTypesError, match=r"pip install -e \.") as info:
        build()
    assert isinstance(info.value, KnotworkError)
    assert "knotwork.nodes" in str(info.value)
