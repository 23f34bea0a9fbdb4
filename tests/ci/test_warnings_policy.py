"""New warnings from our own code fail the suite instead of piling up in its summary."""

from __future__ import annotations

import warnings

import pytest


@pytest.mark.parametrize("module", ["studio.deploy.schema", "nodes.manipulation.expression"])
def test_a_warning_raised_from_our_own_code_is_an_error(module):
    with pytest.raises(FutureWarning):
        warnings.warn_explicit("stale call", FutureWarning, "x.py", 1, module=module)


def test_a_warning_from_a_library_is_still_only_reported():
    with pytest.warns(UserWarning):
        warnings.warn_explicit("library note", UserWarning, "x.py", 1, module="sklearn.metrics")


def test_a_note_meant_for_the_user_is_not_an_error():
    from studio.core.errors import KnotworkWarning

    with pytest.warns(KnotworkWarning):
        warnings.warn_explicit(
            "newer file", KnotworkWarning, "x.py", 1, module="studio.core.workflow"
        )
