"""Licences of distributions from their metadata, as SPDX expressions, judged against a policy.

Sources in order of trust: `License-Expression` (PEP 639), a `License` field that is
itself an SPDX id or a well-known name, then the `License ::` trove classifiers. Licence
texts pasted into `License` and bare "OSI Approved" classifiers say too little: unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

from license_expression import AND, OR, ExpressionError, LicenseSymbol, get_spdx_licensing

from .audit_policy import AuditPolicy

_LICENSING = get_spdx_licensing()

# Trove classifiers (and common License-field spellings) → SPDX. "BSD License" names no variant.
_NAMES = {
    "apache software license": "Apache-2.0",
    "apache 2.0": "Apache-2.0",
    "apache license 2.0": "Apache-2.0",
    "apache license, version 2.0": "Apache-2.0",
    "apache license v2.0": "Apache-2.0",
    "apache license version 2.0": "Apache-2.0",
    "mit license": "MIT",
    "the mit license": "MIT",
    "mit no attribution license (mit-0)": "MIT-0",
    "bsd license": "LicenseRef-BSD",
    "3-clause bsd license": "BSD-3-Clause",
    "new bsd license": "BSD-3-Clause",
    "isc license (iscl)": "ISC",
    "python software foundation license": "PSF-2.0",
    "psfl": "PSF-2.0",
    "psf license": "PSF-2.0",
    "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
    "gnu lesser general public license v2 or later (lgplv2+)": "LGPL-2.1-or-later",
    "gnu lesser general public license v3 (lgplv3)": "LGPL-3.0-only",
    "gnu lesser general public license v3 or later (lgplv3+)": "LGPL-3.0-or-later",
    "gnu general public license v2 (gplv2)": "GPL-2.0-only",
    "gnu general public license v2 or later (gplv2+)": "GPL-2.0-or-later",
    "gnu general public license v3 (gplv3)": "GPL-3.0-only",
    "gnu general public license v3 or later (gplv3+)": "GPL-3.0-or-later",
    "gnu affero general public license v3": "AGPL-3.0-only",
    "gnu affero general public license v3 or later (agplv3+)": "AGPL-3.0-or-later",
    "the unlicense (unlicense)": "Unlicense",
    "zlib/libpng license": "Zlib",
    "historical permission notice and disclaimer (hpnd)": "HPND",
    "cc0 1.0 universal (cc0 1.0) public domain dedication": "CC0-1.0",
    "eclipse public license 2.0 (epl-2.0)": "EPL-2.0",
    "server side public license (sspl)": "SSPL-1.0",
}


@dataclass
class Licence:
    name: str
    version: str
    expression: str | None  # SPDX expression; None: unknown
    source: str  # License-Expression | License | classifiers | not installed | no metadata


def _spdx(text: str) -> str | None:
    text = text.strip()
    if not text or "\n" in text or len(text) > 200:
        return None
    known = _NAMES.get(text.lower())
    if known:
        return known
    try:
        parsed = _LICENSING.parse(text, validate=True, strict=False)
    except ExpressionError:
        return None
    return parsed.render() if parsed is not None else None


def from_metadata(meta: metadata.PackageMetadata, name: str, version: str) -> Licence:
    expression = meta.get("License-Expression")
    if expression and _spdx(expression):
        return Licence(name, version, _spdx(expression), "License-Expression")
    field = meta.get("License")
    if field and _spdx(field):
        return Licence(name, version, _spdx(field), "License")
    found = []
    for classifier in meta.get_all("Classifier") or []:
        parts = [p.strip() for p in classifier.split("::")]
        if parts[0] == "License" and len(parts) > 2:
            spdx = _NAMES.get(parts[-1].lower())
            if spdx and spdx not in found:
                found.append(spdx)
    if found:  # several classifiers: the user may choose any of them
        return Licence(name, version, " OR ".join(found), "classifiers")
    return Licence(name, version, None, "no licence in the metadata")


def licence_of(name: str, version: str) -> Licence:
    """The licence of an installed distribution, when the installed version is the pinned one."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return Licence(name, version, None, "not installed here")
    if dist.version != version:
        return Licence(name, version, None, f"installed here at {dist.version}, not {version}")
    return from_metadata(dist.metadata, name, version)


@dataclass
class LicenceVerdict:
    verdict: str  # allowed | denied | not allowed | unknown
    detail: str


def _symbol_verdict(key: str, policy: AuditPolicy) -> str:
    lowered = key.lower()
    if lowered in {d.lower() for d in policy.deny_licences}:
        return "denied"
    if not policy.allow_licences or lowered in {a.lower() for a in policy.allow_licences}:
        return "allowed"
    return "not allowed"


_RANK = {"allowed": 0, "not allowed": 1, "denied": 2}


def _walk(expr, policy: AuditPolicy) -> str:
    if isinstance(expr, LicenseSymbol):
        return _symbol_verdict(expr.key, policy)
    verdicts = [_walk(a, policy) for a in expr.args]
    if isinstance(expr, OR):  # the user picks the best alternative
        return min(verdicts, key=_RANK.__getitem__)
    if isinstance(expr, AND):  # every part applies
        return max(verdicts, key=_RANK.__getitem__)
    return _symbol_verdict(str(expr), policy)


def judge(licence: Licence, policy: AuditPolicy) -> LicenceVerdict:
    if licence.expression is None:
        return LicenceVerdict("unknown", licence.source)
    parsed = _LICENSING.parse(licence.expression, strict=False)
    verdict = _walk(parsed, policy)
    return LicenceVerdict(verdict, f"{licence.expression} (from {licence.source})")
