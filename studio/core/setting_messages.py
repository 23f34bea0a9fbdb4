"""pydantic's complaints about a setting, said in the setting's own terms ("Train
fraction must be less than 1, not 1.5"), for every place settings are checked: the
engine, `Workflow.set_setting` and the studio's configure dialog."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from .errors import ConfigureError

# pydantic error type -> what the value must be (ctx values fill the braces).
RULES = {
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be at most {le}",
    "string_too_long": "must have at most {max_length} characters",
    "too_short": "needs at least {min_length} item(s)",
    "too_long": "takes at most {max_length} item(s)",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of names to values",
    "literal_error": "must be one of {expected}",
    "enum": "must be one of {expected}",
    "multiple_of": "must be a multiple of {multiple_of}",
}


def _title(model: type[BaseModel], name: str) -> str:
    """The setting's title as the studio labels its field (pydantic's own default title)."""
    info = model.model_fields.get(name)
    return info.title if info is not None and info.title else name.replace("_", " ").title()


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(v: Any) -> Any:
    """Bounds as written (1, not 1.0)."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def setting_error(model: type[BaseModel], err: dict[str, Any]) -> ConfigureError:
    """One pydantic error (an item of `ValidationError.errors()`) as a ConfigureError whose
    `where` is the setting and whose message reads in the setting's terms."""
    loc = [p for p in err.get("loc", ()) if isinstance(p, int) or p in model.model_fields]
    loc = loc if loc and not isinstance(loc[0], int) else []
    where = ".".join(str(p) for p in loc) or "settings"
    kind, ctx = err.get("type", ""), err.get("ctx") or {}
    if kind == "extra_forbidden":
        known = ", ".join(model.model_fields) or "none"
        name = str(err.get("loc", ("?",))[0])
        return ConfigureError(f"unknown setting (this node's settings: {known})", where=name)
    if kind == "missing":
        return ConfigureError(f"{_title(model, where)} is required", where=where)
    if kind in ("value_error", "assertion_error"):
        # The settings model's own validator: its words, without pydantic's prefix.
        text = str(ctx.get("error") or err.get("msg", ""))
        return ConfigureError(text.removeprefix("Value error, "), where=where)
    if kind == "string_too_short":
        rule = (
            "must not be empty"
            if ctx.get("min_length") == 1
            else "must have at least {min_length} characters"
        )
    else:
        rule = RULES.get(kind, "")
    if not rule:
        msg = str(err.get("msg", "is not valid"))
        return ConfigureError(f"{_title(model, loc[0] if loc else where)}: {msg}", where=where)
    subject = _title(model, str(loc[0])) if loc else "The settings"
    if len(loc) > 1:
        subject += f" (item {'.'.join(str(p) for p in loc[1:])})"
    value = err.get("input")
    said = rule.format(**{k: _number(v) for k, v in ctx.items()})
    shown = "" if kind == "string_too_short" else f", not {_shown(value)}"
    return ConfigureError(f"{subject} {said}{shown}", where=where)
