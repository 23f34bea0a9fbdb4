"""Workflow parameters: named, typed values that settings reference as `$name`.

A string setting that is exactly `$name` takes the parameter's value; `$$` at the
start escapes a literal dollar. The runner overrides values with `--set name=value`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import ParameterError

PARAM_TYPES = ("string", "integer", "number", "boolean")
_REF = re.compile(r"^\$([A-Za-z_][A-Za-z0-9_]*)$")


@dataclass
class Parameter:
    name: str
    type: str = "string"
    value: Any = ""
    description: str = ""

    def __post_init__(self) -> None:
        if self.type not in PARAM_TYPES:
            raise ParameterError(
                f"parameter {self.name!r}: type must be one of {', '.join(PARAM_TYPES)}, not {self.type!r}"
            )
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", self.name):
            raise ParameterError(
                f"parameter name {self.name!r} must be a letter or _ followed by letters, digits or _"
            )
        self.value = coerce(self.name, self.type, self.value)


def coerce(name: str, type_: str, value: Any) -> Any:
    """Convert a value (often a command-line string) to the parameter's type."""
    try:
        if type_ == "integer":
            if isinstance(value, bool):
                raise ValueError
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(value)
        if type_ == "number":
            if isinstance(value, bool):
                raise ValueError
            return float(value)
        if type_ == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "1", "yes", "on"):
                return True
            if text in ("false", "0", "no", "off"):
                return False
            raise ValueError
        return str(value)
    except (TypeError, ValueError):
        raise ParameterError(f"parameter {name!r}: {value!r} is not a valid {type_}") from None


def reference(value: Any) -> str | None:
    """The parameter name a setting value refers to, or None."""
    if isinstance(value, str):
        m = _REF.match(value)
        if m:
            return m.group(1)
    return None


def resolve(raw: Any, values: dict[str, Any], used: set[str]) -> Any:
    """Replace `$name` references in (nested) settings; record which names were used."""
    if isinstance(raw, dict):
        return {k: resolve(v, values, used) for k, v in raw.items()}
    if isinstance(raw, list):
        return [resolve(v, values, used) for v in raw]
    if isinstance(raw, str):
        if raw.startswith("$$"):
            return raw[1:]
        name = reference(raw)
        if name is not None:
            if name not in values:
                raise ParameterError(
                    f"setting refers to ${name}, but the workflow has no parameter {name!r}"
                )
            used.add(name)
            return values[name]
    return raw
