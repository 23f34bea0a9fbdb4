"""The node-check vocabulary of the core: `TableSpec.require` and errors that name where."""

from __future__ import annotations

import pickle

import pytest

from studio.core import ConfigureError, NodeExecutionError

def test_an_execution_error_names_where_in_its_text_and_keeps_it_across_processes():
    err = NodeExecutionError("2 value(s) do not convert", where="conversions.0")
    assert str(err) == "conversions.0: 2 value(s) do not convert"
    named = err.for_node("Types")
    assert isinstance(named, NodeExecutionError)
    assert str(named) == "Types: conversions.0: 2 value(s) do not convert"
    assert named.detail == "conversions.0: 2 value(s) do not convert"
    back = pickle.loads(pickle.dumps(named))
    assert (back.where, back.node, str(back)) == ("conversions.0", "Types", str(named))
