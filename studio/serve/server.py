"""One server process, from its settings: the verified bundle (or the one a registry alias
names, followed as it moves), the monitoring store, and the app around them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI

from studio.core.errors import KnotworkError

from .app import create_app
from .holder import ModelHolder
from .settings import REGISTRY_SCHEME, ServerSettings, env_name


def load_bundle(path: str, keys: list[str] | None = None, registry_url: str | None = None) -> Any:
    """Load and verify a bundle (a directory, .zip or registry://MODEL@ENV); nothing in it
    runs before its hashes and signature check out."""
    from studio.deploy import Bundle

    if path.startswith(REGISTRY_SCHEME):
        from studio.registry import resolve

        path = str(resolve(path, registry_url))
    if not Path(path).exists():
        raise KnotworkError(
            f"{path}: no such bundle (a directory or .zip made by `knotwork deploy`)"
        )
    return Bundle.load(path, trusted_keys=keys)


def served_bundle(settings: ServerSettings) -> Any:
    """The verified bundle these settings name."""
    if settings.bundle is None:
        raise KnotworkError(
            f"no bundle to serve: name one (a directory, .zip or registry://MODEL@ENV) "
            f"or set {env_name('bundle')}"
        )
    return load_bundle(settings.bundle, settings.keys, settings.registry_url)


def monitoring_of(settings: ServerSettings) -> tuple[Any, Any]:
    """The store and alerter these settings ask for ((None, None) with --no-monitor)."""
    if not settings.monitor:
        return None, None
    from studio.monitor import Alerter, MonitorStore

    alerter = Alerter({"destinations": settings.alert_destinations})  # checks every URL first
    store = MonitorStore(settings.monitor_url, retention_days=settings.monitor_retention_days)
    return store, alerter


def build_app(settings: ServerSettings) -> FastAPI:
    """The app of one server process."""
    bundle = served_bundle(settings)
    store, alerter = monitoring_of(settings)
    shadow = shadow_of(settings, store)
    app = create_app(
        ModelHolder(bundle, exclude=settings.excluded_plans),
        settings,
        store=store,
        alerter=alerter,
        shadow=shadow,
    )
    if store is not None:
        app.router.on_shutdown.append(store.close)  # after the monitoring loop stops
    if settings.follows_registry:
        from .watch import watch_server

        watch_server(app, str(settings.bundle), settings.keys, settings.registry_url)
    if shadow is not None and settings.shadow.startswith(REGISTRY_SCHEME):
        from .shadow import follow_shadow

        follow_shadow(app, shadow, settings.shadow, settings.keys, settings.registry_url)
    return app


def shadow_of(settings: ServerSettings, store: Any) -> Any:
    """The challenger scorer `--shadow` asks for (None without it)."""
    if settings.shadow is None:
        return None
    from .shadow import ShadowScorer

    holder = ModelHolder(
        load_bundle(settings.shadow, settings.keys, settings.registry_url),
        exclude=settings.excluded_plans,
    )
    return ShadowScorer(
        holder,
        store,
        max_queue=settings.shadow_queue,
        unknown_category=settings.unknown_category,
    )


def app_from_environment() -> FastAPI:
    """uvicorn factory for `--workers N`: each worker builds its app from the KNOTWORK_*
    variables the parent exported (`ServerSettings.export`)."""
    return build_app(ServerSettings.load())
