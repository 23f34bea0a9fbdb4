"""`knotwork serve BUNDLE`: serve a verified bundle over REST and the Open Inference
Protocol with uvicorn. Options override the KNOTWORK_* variables of
`studio.serve.ServerSettings`; the token comes from --token, --token-file or
$KNOTWORK_TOKEN and is never printed or logged."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from studio.core.errors import KnotworkError

# Options whose name is not the settings field's (`--max-body-mb` is `max_body_mb`).
FLAGS = {
    "registry_url": "--registry",
    "keys": "--key",
    "monitor": "--no-monitor",
    "alert_urls": "--alert",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve",
        help="serve a bundle over HTTP (REST, Open Inference Protocol, web form)",
        description="Load a bundle (hashes and signature verified first) and serve it with uvicorn.",
    )
    p.add_argument(
        "bundle",
        help="bundle directory or .zip, or registry://MODEL@ENV (follows the alias as it moves)",
    )
    p.add_argument(
        "--registry",
        metavar="URL",
        dest="registry_url",
        help="registry for registry:// bundles (default: $KNOTWORK_REGISTRY_URL or the workspace's)",
    )
    p.add_argument(
        "--host",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    p.add_argument("--port", type=int, help="port to listen on (default 8080)")
    p.add_argument(
        "--workers", type=int, help="worker processes, each loading the bundle (default 1)"
    )
    tok = p.add_mutually_exclusive_group()
    tok.add_argument(
        "--token",
        help="require 'Authorization: Bearer TOKEN' (prefer --token-file or $KNOTWORK_TOKEN)",
    )
    tok.add_argument("--token-file", help="read the bearer token from this file")
    p.add_argument(
        "--ops-token-file",
        help="a separate bearer token (file) for /metrics and /monitoring; the scoring token "
        "then no longer opens them (or $KNOTWORK_OPS_TOKEN)",
    )
    p.add_argument(
        "--unknown-category",
        choices=("error", "warn"),
        help="values unseen in training: reject (422, the default) or accept with a warning",
    )
    p.add_argument(
        "--key",
        action="append",
        dest="keys",
        metavar="PUB",
        help="trusted public key file or folder (repeatable; default: this machine's trusted keys)",
    )
    p.add_argument(
        "--max-body-mb",
        type=float,
        help="largest request body accepted in MB (default 16; 413 above it)",
    )
    p.add_argument(
        "--monitor-url",
        metavar="URL|PATH",
        help="monitoring store: a SQLite file or postgresql://... shared by replicas "
        "(default: $KNOTWORK_MONITOR_URL or the workspace's .knotwork/monitor.db)",
    )
    p.add_argument(
        "--monitor-interval",
        type=float,
        metavar="SECONDS",
        help="seconds between two evaluations of the bundle's monitors (default 60)",
    )
    p.add_argument(
        "--monitor-retention-days",
        type=float,
        metavar="DAYS",
        help="delete logged rows and monitoring history older than this (default: keep all)",
    )
    p.add_argument(
        "--alert",
        action="append",
        dest="alert_urls",
        metavar="URL",
        help="send alerts on monitor transitions to this apprise URL (json://, mailto://, "
        "slack://, msteams://...) or env:NAME to read it from a variable; repeatable "
        "(default: $KNOTWORK_ALERT_URLS)",
    )
    p.add_argument(
        "--no-monitor",
        dest="monitor",
        action="store_false",
        default=None,
        help="do not log scored rows nor evaluate monitors; /feedback and /monitoring answer 404",
    )
    p.add_argument(
        "--shadow",
        metavar="BUNDLE",
        help="challenger bundle or registry://MODEL@ENV scored in the background on every "
        "request (logged to the monitoring store, never answered)",
    )
    p.add_argument(
        "--shadow-queue",
        type=int,
        metavar="N",
        help="requests waiting for the shadow at most; more are dropped and counted (default 1000)",
    )
    p.add_argument(
        "--no-onnx",
        dest="fast_path",
        action="store_false",
        default=None,
        help="never score with the bundle's model.onnx (the compiled plan or the graph serve)",
    )
    p.add_argument(
        "--no-compiled",
        dest="compiled",
        action="store_false",
        default=None,
        help="never score with the bundle's compiled plan (with --no-onnx: the graph serves)",
    )
    p.add_argument(
        "--access-log",
        action="store_true",
        default=None,
        help="log every request (off by default: it costs latency)",
    )
    p.set_defaults(func=run)


def _where(field: str | None, given: dict[str, Any]) -> str:
    from studio.serve.settings import env_name

    if field is None:
        return ""
    if field in given:
        return FLAGS.get(field, "--" + field.replace("_", "-")) + " "
    return env_name(field) + " "


def _check_port_free(host: str, port: int) -> None:
    """Say which port is taken and what to do, before loading the bundle, rather than
    uvicorn's bind error after startup."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise KnotworkError(f"--host {host}: cannot resolve this address ({exc})") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(addr)
        except OSError as exc:
            raise KnotworkError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc} "
                "(another server is using it? choose another --port)"
            ) from None


def _log_to_stderr() -> None:
    """Knotwork's own INFO lines (a registry alias swapped, alerts) beside uvicorn's."""
    import logging

    logger = logging.getLogger("knotwork")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from studio.serve.server import build_app, served_bundle
    from studio.serve.settings import ServerSettings, ServerSettingsError

    given = {
        name: getattr(args, name)
        for name in ServerSettings.model_fields
        if getattr(args, name, None) is not None
    }
    try:
        settings = ServerSettings.load(**given)
    except ServerSettingsError as exc:
        for field, message in exc.problems:
            print(f"knotwork serve: {_where(field, given)}{message}", file=sys.stderr)
        return 2
    _check_port_free(settings.host, settings.port)
    _log_to_stderr()
    common = {
        "host": settings.host,
        "port": settings.port,
        "access_log": settings.access_log,
        "log_level": "info",
    }
    auth = "on" if settings.token is not None else "off"
    alerts = len(settings.alert_urls)  # never the URLs themselves: they may carry secrets
    watch = (
        f"monitoring every {settings.monitor_interval:g} s, {alerts} alert destination"
        f"{'' if alerts == 1 else 's'}"
        if settings.monitor
        else "monitoring off"
    )
    if settings.workers == 1:
        app = build_app(settings)
        model = app.state.holder.current
        scoring = f"the {model.plan} plan"
        print(
            f"Serving {model.name} version {model.version} on http://{settings.host}:{settings.port} "
            f"(token auth {auth}, scoring with {scoring}, {watch})",
            flush=True,
        )
        if app.state.shadow is not None:
            shadow = app.state.shadow.holder.current
            print(
                f"Shadow: {shadow.name} version {shadow.version} scores every request", flush=True
            )
        uvicorn.run(app, **common)
        return 0
    served_bundle(settings)  # fail here, once, rather than in every worker
    settings.export()  # the workers read their settings back from the KNOTWORK_* variables
    print(
        f"Serving {settings.bundle} with {settings.workers} workers on "
        f"http://{settings.host}:{settings.port} (token auth {auth}, {watch})",
        flush=True,
    )
    uvicorn.run(
        "studio.serve.server:app_from_environment",
        factory=True,
        workers=settings.workers,
        **common,
    )
    return 0
