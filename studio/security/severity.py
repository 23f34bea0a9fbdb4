"""Severity of an OSV advisory: the database's own word (GHSA's LOW … CRITICAL), else the
CVSS v3 base score computed from the vector, else unknown (the policy says what that means)."""

from __future__ import annotations

import math
from typing import Any

LEVELS = ("unknown", "low", "medium", "high", "critical")
_WORDS = {
    "low": "low",
    "moderate": "medium",
    "medium": "medium",
    "high": "high",
    "critical": "critical",
}

# CVSS v3.x base metric weights (FIRST, CVSS v3.1 specification, section 7.4).
_AV = {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2}
_AC = {"L": 0.77, "H": 0.44}
_PR = {"N": (0.85, 0.85), "L": (0.62, 0.68), "H": (0.27, 0.5)}  # (scope unchanged, changed)
_UI = {"N": 0.85, "R": 0.62}
_CIA = {"H": 0.56, "L": 0.22, "N": 0.0}


def _roundup(value: float) -> float:
    scaled = round(value * 100000)
    return scaled / 100000.0 if scaled % 10000 == 0 else (math.floor(scaled / 10000) + 1) / 10.0


def cvss3_score(vector: str) -> float | None:
    """The CVSS v3 base score of a vector such as CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H."""
    if not vector.startswith("CVSS:3"):
        return None
    try:
        m = dict(part.split(":", 1) for part in vector.split("/")[1:])
        changed = m["S"] == "C"
        iss = 1 - (1 - _CIA[m["C"]]) * (1 - _CIA[m["I"]]) * (1 - _CIA[m["A"]])
        impact = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 if changed else 6.42 * iss
        exploit = 8.22 * _AV[m["AV"]] * _AC[m["AC"]] * _PR[m["PR"]][changed] * _UI[m["UI"]]
    except (KeyError, ValueError):
        return None
    if impact <= 0:
        return 0.0
    raw = 1.08 * (impact + exploit) if changed else impact + exploit
    return _roundup(min(raw, 10))


def level_of_score(score: float) -> str:
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low" if score > 0 else "unknown"


def osv_severity(vuln: dict[str, Any]) -> tuple[str, float | None]:
    """(level, CVSS score or None) of one OSV record."""
    score = None
    for entry in vuln.get("severity") or []:
        if str(entry.get("type", "")).startswith("CVSS_V3"):
            score = cvss3_score(str(entry.get("score", "")))
            if score is not None:
                break
    for section in ("database_specific", "ecosystem_specific"):
        word = str((vuln.get(section) or {}).get("severity", "")).lower()
        if word in _WORDS:
            return _WORDS[word], score
    for affected in vuln.get("affected") or []:
        word = str((affected.get("ecosystem_specific") or {}).get("severity", "")).lower()
        if word in _WORDS:
            return _WORDS[word], score
    return (level_of_score(score), score) if score is not None else ("unknown", None)


def at_least(level: str, threshold: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(threshold)
