"""CycloneDX bill of materials of a bundle's pinned requirements (cyclonedx-python-lib).

Each requirement is a library component with its version, package URL, licence and a
SHA-256 hash of the installed distribution's RECORD (which itself lists the hash of every
installed file), so the SBOM fingerprints exactly what the bundle was built and checked with.
"""

from __future__ import annotations

import hashlib
import json
from importlib import metadata

from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.license import LicenseExpression
from cyclonedx.output.json import JsonV1Dot6
from packageurl import PackageURL

from .licences import licence_of

SBOM_FILE = "sbom.cdx.json"
HASH_OF = "knotwork:hash-of"


def record_hash(name: str, version: str) -> str | None:
    """SHA-256 of the installed distribution's RECORD, when the pinned version is installed."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    if dist.version != version:
        return None
    record = dist.read_text("RECORD")
    return hashlib.sha256(record.encode("utf-8")).hexdigest() if record else None


def _component(name: str, version: str) -> Component:
    purl = PackageURL(type="pypi", name=name.lower(), version=version)
    digest = record_hash(name, version)
    licence = licence_of(name, version)
    return Component(
        type=ComponentType.LIBRARY,
        name=name,
        version=version,
        purl=purl,
        bom_ref=str(purl),
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=digest)] if digest else [],
        licenses=[LicenseExpression(licence.expression)] if licence.expression else [],
        properties=[
            Property(
                name=HASH_OF,
                value="installed RECORD" if digest else "not installed here: no hash",
            )
        ],
    )


def bundle_sbom(name: str, version: str, pins: dict[str, str]) -> bytes:
    """The SBOM document (CycloneDX 1.6 JSON) of a bundle named name@version."""
    bom = Bom()
    app = Component(
        type=ComponentType.APPLICATION, name=name, version=version, bom_ref=f"bundle:{name}"
    )
    bom.metadata.component = app
    components = [_component(n, v) for n, v in pins.items()]
    for c in components:
        bom.components.add(c)
    bom.register_dependency(app, components)
    # Sorted keys and two-space indent, like every JSON file of a bundle.
    document = json.loads(JsonV1Dot6(bom).output_as_string())
    return (json.dumps(document, indent=2, sort_keys=True) + "\n").encode()


def sbom_requirements(document: bytes | str) -> dict[str, str]:
    """{name: version} of the library components of an SBOM document."""
    data = json.loads(document)
    return {
        c["name"]: c.get("version", "")
        for c in data.get("components", [])
        if c.get("type") == "library"
    }
