"""numpy scalars become plain Python values; everything else passes through."""

from __future__ import annotations

import json

import numpy as np

from studio.core.scalars import python_scalar


def test_numpy_scalars_become_python_values_that_json_can_write():
    values = [np.int64(3), np.float32(0.5), np.bool_(True), np.str_("a")]
    plain = [python_scalar(v) for v in values]
    assert plain == [3, 0.5, True, "a"]
    assert [type(v) for v in plain] == [int, float, bool, str]
    assert json.dumps(plain) == '[3, 0.5, true, "a"]'


def test_other_values_pass_through_unchanged():
    stamp = np.datetime64("2024-01-01")
    for value in (None, 7, "x", [np.int64(1)], {"a": 1}):
        assert python_scalar(value) is value
    assert python_scalar(stamp) == stamp.item()
