"""Follow a registry alias from a running server: when `MODEL@ENV` moves, load and verify
the new bundle in a background thread, then hand it to `holder.swap` in one step.

Requests keep being served by the old bundle until the new one is fully loaded; a bundle
that fails verification (corrupt artifact, bad signature) is never swapped in.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.registry import AliasTarget, Registry, RegistryError, VersionInfo, parse_uri

log = logging.getLogger("knotwork.serve.watch")

Loader = Callable[[Path], Any]


def bundle_loader(trusted_keys: list[str] | None = None) -> Loader:
    """Load a bundle the way the server does: hashes and signature verified before anything."""

    def load(path: Path) -> Any:
        from studio.deploy import Bundle

        return Bundle.load(path, trusted_keys=trusted_keys)

    return load


def _pointer(record: AliasTarget | VersionInfo) -> tuple[str, str]:
    """(version, sha256) of what `Registry.alias_target` or `Registry.version` returned."""
    return str(record.version), str(record.sha256)


class AliasWatcher:
    """Polls one alias every `interval` seconds and swaps the holder's bundle when it moves."""

    def __init__(
        self,
        uri: str,
        holder: Any,
        *,
        registry: Registry | str | None = None,
        load: Loader | None = None,
        interval: float = 2.0,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ):
        self.model, self.alias = parse_uri(uri)
        if self.alias is None or "@" not in uri:
            raise RegistryError(
                f"{uri!r}: a watched URI names an alias, e.g. registry://{self.model}@prod"
            )
        self.uri = uri
        self.holder = holder
        self.interval = interval
        self._registry = registry
        self._own_registry = not isinstance(registry, Registry)
        self._reg: Registry | None = registry if isinstance(registry, Registry) else None
        self._load = load or bundle_loader()
        self._on_event = on_event
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.current_sha: str | None = None
        self.current_version: str | None = None
        self._failed_sha: str | None = None

    def _registry_obj(self) -> Registry:
        if self._reg is None:
            self._reg = Registry(self._registry if isinstance(self._registry, str) else None)
        return self._reg

    def _emit(self, kind: str, **info: Any) -> None:
        event = {"kind": kind, "model": self.model, "alias": self.alias, **info}
        (log.warning if kind == "error" else log.info)("%s", event)
        if self._on_event is not None:
            self._on_event(event)

    def load_current(self) -> Any:
        """Resolve and load what the alias names now (used at server start); remembers it."""
        reg = self._registry_obj()
        target = reg.alias_target(self.model, self.alias)
        if target is None:
            raise RegistryError(
                f"{self.uri}: the alias {self.alias!r} does not point at any version of {self.model!r}"
            )
        version, sha = _pointer(target)
        bundle = self._load(reg.resolve(self.model, version))
        self.current_sha, self.current_version = sha, version
        return bundle

    def poll_once(self) -> str:
        """One check: 'unchanged', 'swapped', or 'error' (the old bundle keeps serving)."""
        try:
            target = self._registry_obj().alias_target(self.model, self.alias)
        except Exception as exc:  # the registry is briefly unreachable: keep serving, try again
            self._emit("error", error=f"cannot read the registry: {exc}")
            return "error"
        if target is None:
            return "unchanged"
        version, sha = _pointer(target)
        if sha == self.current_sha:
            return "unchanged"
        if sha == self._failed_sha:
            return "error"  # already reported; wait for the alias to move again
        try:
            bundle = self._load(self._registry_obj().resolve(self.model, version))
            self.holder.swap(bundle)
        except Exception as exc:
            self._failed_sha = sha
            self._emit("error", version=version, error=str(exc))
            return "error"
        previous = self.current_version
        self.current_sha, self.current_version, self._failed_sha = sha, version, None
        log.info(
            "%s@%s moved: now serving version %s (was %s)",
            self.model,
            self.alias,
            version,
            previous or "none",
        )
        self._emit("swapped", version=version, previous=previous)
        return "swapped"

    def attach(self, holder: Any) -> AliasWatcher:
        """Follow the alias for this holder, starting from the version it serves now, and start."""
        self.holder = holder
        served = getattr(getattr(holder, "current", None), "version", None)
        if self.current_sha is None and served is not None:
            try:
                record = self._registry_obj().version(self.model, str(served), full=False)
                self.current_sha = _pointer(record)[1]
                self.current_version = str(served)
            except RegistryError:
                pass  # not a version of this model: the first poll swaps in what the alias names
        return self.start()

    def start(self) -> AliasWatcher:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"registry-watch {self.uri}", daemon=True
            )
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.poll_once()

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        if self._own_registry and self._reg is not None:
            self._reg.close()
            self._reg = None


def follow(
    uri: str,
    trusted_keys: list[str] | None = None,
    registry: Registry | str | None = None,
    interval: float = 2.0,
) -> tuple[Any, AliasWatcher]:
    """For `knotwork serve registry://MODEL@ENV`: the verified bundle the alias names now, and
    a watcher to `attach(holder)` once the server holds that bundle."""
    watcher = AliasWatcher(
        uri, None, registry=registry, load=bundle_loader(trusted_keys), interval=interval
    )
    return watcher.load_current(), watcher


def watch_server(
    app: Any,
    uri: str,
    trusted_keys: list[str] | None = None,
    registry: Registry | str | None = None,
    interval: float = 2.0,
) -> AliasWatcher:
    """For `knotwork serve registry://MODEL@ENV`: follow the alias for a `studio.serve` app
    (its `app.state.holder`), and stop following when the app shuts down."""
    watcher = AliasWatcher(
        uri, None, registry=registry, load=bundle_loader(trusted_keys), interval=interval
    )
    watcher.attach(app.state.holder)
    app.router.on_shutdown.append(watcher.stop)
    return watcher
