"""What a bundle needs to run elsewhere: pinned requirements and a Dockerfile.

Requirements are the installed versions of the distributions the captured nodes and
the frozen objects import, plus what loading and serving a bundle always needs.
"""

from __future__ import annotations

import functools
import inspect
import sys
from collections.abc import Iterable
from importlib import metadata
from typing import Any

from studio._version import __version__

# Always needed to verify, load and serve a bundle.
BASE = (
    "numpy",
    "pandas",
    "pyarrow",
    "pydantic",
    "pydantic-settings",
    "networkx",
    "skops",
    "cryptography",
    "fastapi",
    "uvicorn",
    "prometheus-client",
    "python-multipart",
)
SKIP = {"knotwork", "studio", "nodes"}


@functools.lru_cache(maxsize=1)
def _distributions() -> dict[str, list[str]]:
    return metadata.packages_distributions()  # scans site-packages: do it once per process


def _distribution(module: str) -> str | None:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top in SKIP:
        return None
    names = _distributions().get(top)
    return names[0] if names else None


def modules_of(obj: Any) -> set[str]:
    """Top-level modules a node class or a fitted object relies on."""
    found: set[str] = set()
    if inspect.isclass(obj):
        mod = inspect.getmodule(obj)
        for value in vars(mod).values() if mod else ():
            name = value.__name__ if inspect.ismodule(value) else getattr(value, "__module__", None)
            if isinstance(name, str):
                found.add(name.split(".")[0])
    else:
        found.add(type(obj).__module__.split(".")[0])
    return found


def pinned_requirements(modules: Iterable[str]) -> dict[str, str]:
    """{distribution: installed version} for the base set and the given modules."""
    dists = set(BASE)
    for m in modules:
        d = _distribution(m)
        if d:
            dists.add(d)
    out: dict[str, str] = {}
    for d in sorted(dists, key=str.lower):
        try:
            out[d] = metadata.version(d)
        except metadata.PackageNotFoundError:
            continue
    return out


def knotwork_version() -> str:
    return __version__


def requirements_txt(pins: dict[str, str]) -> str:
    lines = ["# Pinned by `knotwork deploy`: the versions the bundle was built and checked with."]
    lines += [f"{name}=={version}" for name, version in pins.items()]
    return "\n".join(lines) + "\n"


def dockerfile(pins: dict[str, str]) -> str:
    py = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"""# Serves this bundle with `knotwork serve`. Build from the bundle folder:
#   docker build -t my-model . && docker run -p 8080:8080 my-model
# KNOTWORK_SPEC may name a wheel or a git URL when Knotwork is not on your package index.
FROM python:{py}-slim
ARG KNOTWORK_SPEC=knotwork=={knotwork_version()}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 KNOTWORK_HOME=/bundle-keys
WORKDIR /bundle
COPY requirements.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt "$KNOTWORK_SPEC"
COPY . /bundle
RUN useradd --system --no-create-home knotwork
USER knotwork
EXPOSE 8080
# The bundle is verified at start: mount the signer's public key, e.g.
#   docker run -v ~/.config/knotwork/keys/trusted:/bundle-keys/keys/trusted:ro -p 8080:8080 my-model
CMD ["knotwork", "serve", "/bundle", "--host", "0.0.0.0", "--port", "8080"]
"""
