"""`knotwork serve BUNDLE`: serve a verified bundle over REST and the Open Inference
Protocol with uvicorn. The token comes from --token, --token-file or $KNOTWORK_TOKEN and
is never printed or logged."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from studio.core.errors import KnotworkError

CONFIG_ENV = "KNOTWORK_SERVE_CONFIG"  # how the parent hands its settings to worker processes
TOKEN_ENV = "KNOTWORK_TOKEN"


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
        help="registry for registry:// bundles (default: $KNOTWORK_REGISTRY_URL or the workspace's)",
    )
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    p.add_argument("--port", type=int, default=8080)
    p.add_argument(
        "--workers", type=int, default=1, help="worker processes (each loads the bundle)"
    )
    tok = p.add_mutually_exclusive_group()
    tok.add_argument(
        "--token",
        help=f"require 'Authorization: Bearer TOKEN' (prefer --token-file or ${TOKEN_ENV})",
    )
    tok.add_argument("--token-file", help="read the bearer token from this file")
    p.add_argument(
        "--unknown-category",
        choices=("error", "warn"),
        default="error",
        help="values unseen in training: reject (422) or accept with a warning",
    )
    p.add_argument(
        "--key",
        action="append",
        metavar="PUB",
        help="trusted public key file or folder (repeatable; default: this machine's trusted keys)",
    )
    p.add_argument(
        "--max-body-mb",
        type=float,
        default=16.0,
        help="largest request body accepted (413 above it)",
    )
    p.add_argument(
        "--monitor-db",
        default="knotwork-monitor.sqlite",
        help="SQLite file logging scored rows and /feedback (default in the working folder)",
    )
    p.add_argument(
        "--no-monitor", action="store_true", help="do not log scored rows; /feedback answers 404"
    )
    p.add_argument(
        "--no-onnx",
        action="store_true",
        help="score with the bundle's graph even when it carries a checked model.onnx",
    )
    p.add_argument(
        "--access-log",
        action="store_true",
        help="log every request (off by default: it costs latency)",
    )
    p.set_defaults(func=run)


def _token(args: argparse.Namespace) -> str | None:
    if args.token_file:
        try:
            token = Path(args.token_file).expanduser().read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise KnotworkError(
                f"--token-file: cannot read {args.token_file}: {exc.strerror}"
            ) from None
        if not token:
            raise KnotworkError(f"--token-file: {args.token_file} is empty")
        return token
    token = args.token if args.token is not None else os.environ.get(TOKEN_ENV)
    if token is not None and not token.strip():
        raise KnotworkError(
            "the token is empty: give a non-empty --token, --token-file or $KNOTWORK_TOKEN"
        )
    return token.strip() if token else None


def load_bundle(path: str, keys: list[str] | None, registry: str | None = None) -> Any:
    """Load and verify a bundle; nothing in it runs before its hashes and signature check out."""
    from studio.deploy import Bundle

    if path.startswith("registry://"):
        from studio.registry import resolve

        path = str(resolve(path, registry))

    if not Path(path).exists():
        raise KnotworkError(
            f"{path}: no such bundle (a directory or .zip made by `knotwork deploy`)"
        )
    return Bundle.load(path, trusted_keys=keys)


def build_app(config: dict[str, Any], token: str | None) -> Any:
    """The app of one server process, from the settings `run` collected."""
    from studio.serve import ModelHolder, SQLiteSink, create_app

    bundle = load_bundle(config["bundle"], config.get("keys"), config.get("registry"))
    sink = None if config.get("monitor_db") is None else SQLiteSink(config["monitor_db"])
    app = create_app(
        ModelHolder(bundle, fast_path=config.get("fast_path", True)),
        token=token,
        max_body_bytes=int(config["max_body_mb"] * 1024 * 1024),
        unknown_category=config["unknown_category"],
        monitor_sink=sink,
    )
    if sink is not None:
        app.router.on_shutdown.append(sink.close)
    if config["bundle"].startswith("registry://"):
        from studio.serve.watch import watch_server

        watch_server(app, config["bundle"], config.get("keys"), config.get("registry"))
    return app


def app_from_environment() -> Any:
    """uvicorn factory for `--workers N`: each worker process builds its own app."""
    return build_app(json.loads(os.environ[CONFIG_ENV]), os.environ.get(TOKEN_ENV) or None)


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


def run(args: argparse.Namespace) -> int:
    import uvicorn

    problems = [
        msg
        for bad, msg in (
            (args.workers < 1, f"--workers must be 1 or more, got {args.workers}"),
            (not 0 < args.port < 65536, f"--port must be within 1–65535, got {args.port}"),
            (args.max_body_mb <= 0, f"--max-body-mb must be above 0, got {args.max_body_mb}"),
        )
        if bad
    ]
    for msg in problems:
        print(f"knotwork serve: {msg}", file=sys.stderr)
    if problems:
        return 2
    token = _token(args)
    _check_port_free(args.host, args.port)
    config = {
        "bundle": args.bundle
        if args.bundle.startswith("registry://")
        else str(Path(args.bundle).resolve()),
        "registry": args.registry,
        "keys": args.key,
        "unknown_category": args.unknown_category,
        "max_body_mb": args.max_body_mb,
        "monitor_db": None if args.no_monitor else str(Path(args.monitor_db).resolve()),
        "fast_path": not args.no_onnx,
    }
    common = {
        "host": args.host,
        "port": args.port,
        "access_log": args.access_log,
        "log_level": "info",
    }
    auth = "on" if token else "off"
    if args.workers == 1:
        app = build_app(config, token)
        model = app.state.holder.current
        scoring = "onnxruntime" if model.fast is not None else "the bundle graph"
        print(
            f"Serving {model.name} version {model.version} on http://{args.host}:{args.port} "
            f"(token auth {auth}, scoring with {scoring})",
            flush=True,
        )
        uvicorn.run(app, **common)
        return 0
    load_bundle(
        config["bundle"], config["keys"], config["registry"]
    )  # fail here, once, rather than in every worker
    os.environ[CONFIG_ENV] = json.dumps(config)
    if token:
        os.environ[TOKEN_ENV] = token
    print(
        f"Serving {args.bundle} with {args.workers} workers on http://{args.host}:{args.port} (token auth {auth})",
        flush=True,
    )
    uvicorn.run(
        "studio.cli.serve:app_from_environment", factory=True, workers=args.workers, **common
    )
    return 0
