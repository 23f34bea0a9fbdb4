"""`knotwork monitor status | replay | alert-rules | report`: the bundle's monitors over
the monitoring store's logged rows (or over a file), for people and for cron.

Exit codes: 0 every monitor ok (or not enough data), 3 a monitor alerts, 2 bad usage
(an unreadable bundle, an unknown store, a bad file), 1 the work failed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from studio.core.errors import KnotworkError

ALERTING = 3


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "monitor",
        help="drift, live and estimated performance of a bundle's monitors",
        description="Evaluate a bundle's monitors over the monitoring store or a file. "
        "Exit 0: all ok; 3: a monitor alerts; 2: bad usage.",
    )
    sub = p.add_subparsers(dest="monitor_command", metavar="COMMAND", required=True)

    status = sub.add_parser("status", help="evaluate the monitors over the store's logged rows")
    _bundle_args(status)
    _store_arg(status)
    status.add_argument("--json", action="store_true", help="print the status as JSON")
    status.add_argument(
        "--record",
        action="store_true",
        help="record this evaluation in the store's history (for reports and the dock)",
    )
    status.add_argument(
        "--challenger",
        metavar="BUNDLE",
        help="also evaluate this challenger (e.g. the --shadow of the server: "
        "registry://MODEL@test) over its own logged rows, side by side",
    )
    status.set_defaults(func=run_status)

    replay = sub.add_parser("replay", help="evaluate the monitors on a file of rows, offline")
    _bundle_args(replay)
    replay.add_argument(
        "--input", required=True, help="rows to score and evaluate (.csv, .parquet)"
    )
    replay.add_argument(
        "--truth", metavar="COLUMN", help="the file's column of true values (performance monitors)"
    )
    replay.add_argument("--unknown-category", choices=("error", "warn"), default="error")
    replay.add_argument("--json", action="store_true", help="print the status as JSON")
    replay.set_defaults(func=run_replay)

    rules = sub.add_parser(
        "alert-rules", help="write Prometheus alerting rules for the server's monitoring gauges"
    )
    _bundle_args(rules)
    rules.add_argument("--output", help="YAML file to write (default: standard output)")
    rules.add_argument(
        "--for",
        dest="pending",
        default="10m",
        help="how long a verdict must hold before Prometheus fires (default 10m)",
    )
    rules.set_defaults(func=run_alert_rules)

    watch = sub.add_parser(
        "watch",
        help="evaluate an alias's monitors every --interval; on an alert retrain a challenger",
        description="Evaluate the monitors of the version MODEL@ENV names, alert on "
        "transitions, and on an alert run the retraining workflow, register the challenger "
        "and promote it to dev (and --promote-to stages); never to prod.",
    )
    watch.add_argument(
        "uri", metavar="registry://MODEL@ENV", help="the model and environment to watch"
    )
    watch.add_argument("--interval", default="10m", help="time between rounds (default 10m)")
    watch.add_argument(
        "--retrain",
        metavar="WORKFLOW",
        help="training workflow to rerun (default: the one the served bundle was built from)",
    )
    watch.add_argument("--set", action="append", metavar="NAME=VALUE", help="workflow parameter")
    watch.add_argument(
        "--promote-to", action="append", metavar="ENV", help="non-prod stage for the challenger"
    )
    watch.add_argument("--alert", action="append", metavar="URL", help="alert destination")
    watch.add_argument("--registry", metavar="URL", help="registry database URL or SQLite file")
    watch.add_argument("--once", action="store_true", help="one round, then exit (for cron)")
    _store_arg(watch)
    watch.set_defaults(func=run_watch)

    report = sub.add_parser("report", help="a self-contained HTML report with plots")
    _bundle_args(report)
    _store_arg(report)
    report.add_argument("--output", required=True, help="the HTML file to write")
    report.add_argument(
        "--since", metavar="DURATION", help="history to plot, e.g. 7d (default: all)"
    )
    report.set_defaults(func=run_report)


def _bundle_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("bundle", help="bundle directory or .zip, or registry://MODEL@ENV")
    p.add_argument("--registry", metavar="URL", help="registry for registry:// bundles")
    p.add_argument(
        "--key", action="append", metavar="PUB", help="trusted public key file or folder"
    )


def _store_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--store",
        metavar="URL|PATH",
        help="monitoring store (default: $KNOTWORK_MONITOR_URL or the workspace's "
        ".knotwork/monitor.db)",
    )


def _load(args: argparse.Namespace):
    from studio.monitor.bundle import bundle_monitors, prepare_bundle_monitors
    from studio.serve.server import load_bundle

    bundle = load_bundle(args.bundle, args.key, args.registry)
    monitoring = bundle_monitors(bundle)
    return bundle, monitoring, prepare_bundle_monitors(bundle, monitoring)


def open_store(url: str | None):
    """The monitoring store a command reads; an absent SQLite file is an error here (a
    read would only find nothing), not a new empty store."""
    from studio.monitor import MonitorStore
    from studio.monitor.database import monitor_url, redacted

    resolved = monitor_url(url)
    if resolved.startswith("sqlite:///") and not Path(resolved[len("sqlite:///") :]).is_file():
        raise KnotworkError(
            f"no monitoring store at {resolved[len('sqlite:///') :]}: give --store (a SQLite "
            "file a server or `knotwork score` wrote, or postgresql://...) or set "
            "$KNOTWORK_MONITOR_URL"
        )
    store = MonitorStore(resolved, background=False)
    try:
        store.count_rows("")  # reachable, and a monitoring store
    except KnotworkError:
        store.close()
        raise
    except Exception as exc:
        store.close()
        raise KnotworkError(f"cannot read monitoring store {redacted(resolved)}: {exc}") from None
    return store


def _print_status(status, notes: list[str], as_json: bool) -> int:
    from studio.monitor import ASSUMPTIONS
    from studio.monitor.report import status_rows

    if as_json:
        body = status.model_dump(mode="json")
        body.update(verdict=status.verdict.value, notes=notes)
        print(json.dumps(body, indent=2))
    else:
        header = ("MONITOR", "COLUMN", "STATISTIC", "THRESHOLD", "VERDICT", "WINDOW")
        rows = [header, *status_rows(status)]
        widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
        for r in rows:
            print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        for note in notes:
            print(f"note: {note}")
        if any(m.kind == "estimated_performance" for m in status.monitors):
            print(f"note: {ASSUMPTIONS}")
        version = f" version {status.version}" if status.version else ""
        print(f"{status.model}{version}: {status.verdict.value}")
    return ALERTING if status.alerting else 0


def run_status(args: argparse.Namespace) -> int:
    from studio.monitor import evaluate

    bundle, monitoring, monitors = _load(args)
    challenger = None
    if args.challenger:
        challenger = _load(argparse.Namespace(**{**vars(args), "bundle": args.challenger}))
    store = open_store(args.store)
    try:
        status = evaluate(monitors, store, bundle.name, bundle.version, record=args.record)
        other = None
        if challenger is not None:
            b, _, m = challenger
            other = evaluate(m, store, b.name, b.version, record=False)
    except KnotworkError:
        raise
    except Exception as exc:  # the store went away mid-read
        raise KnotworkError(f"cannot read the monitoring store: {exc}") from None
    finally:
        store.close()
    if other is not None:
        return _print_side_by_side(status, other, args.json)
    return _print_status(status, monitoring.notes, args.json)


def _print_side_by_side(champion, challenger, as_json: bool) -> int:
    """Champion and challenger statuses in one table, row by (monitor, column)."""
    from studio.monitor.report import side_by_side_rows

    if as_json:
        print(
            json.dumps(
                {
                    "champion": champion.model_dump(mode="json"),
                    "challenger": challenger.model_dump(mode="json"),
                },
                indent=2,
            )
        )
        return ALERTING if champion.alerting else 0
    a, b = f"v{champion.version}", f"v{challenger.version}"
    header = ("MONITOR", "COLUMN", "THRESHOLD", a, f"{a} VERDICT", b, f"{b} VERDICT")
    rows = [header, *side_by_side_rows(champion, challenger)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
    print(f"{champion.model} champion {a}: {champion.verdict.value}")
    print(f"{challenger.model} challenger {b}: {challenger.verdict.value}")
    return ALERTING if champion.alerting else 0


def run_replay(args: argparse.Namespace) -> int:
    from studio.monitor import evaluate_frame

    from .score import score_file

    bundle, monitoring, monitors = _load(args)
    frame = score_file(bundle, args.input, args.unknown_category, keep=args.truth)
    if frame is None:
        return 2  # the rows that do not fit the schema were reported
    status = evaluate_frame(monitors, frame, bundle.name, bundle.version, truth=args.truth)
    return _print_status(status, monitoring.notes, args.json)


def run_alert_rules(args: argparse.Namespace) -> int:
    from studio.core.fileformat import atomic_write
    from studio.serve.alert_rules import alert_rules

    bundle, monitoring, _ = _load(args)
    text = alert_rules(bundle.name, monitoring.specs, args.pending)
    if args.output:
        atomic_write(Path(args.output), text)
        print(f"Wrote alerting rules for {bundle.name} → {args.output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def run_report(args: argparse.Namespace) -> int:
    import time

    from studio.monitor import evaluate, parse_duration
    from studio.monitor.report import write_report

    bundle, monitoring, monitors = _load(args)
    store = open_store(args.store)
    try:
        status = evaluate(monitors, store, bundle.name, bundle.version, record=False)
        since = time.time() - parse_duration(args.since) if args.since else None
        write_report(Path(args.output), bundle, monitoring, monitors, status, store, since)
    finally:
        store.close()
    print(f"Wrote the monitoring report of {bundle.name} {bundle.version} → {args.output}")
    return ALERTING if status.alerting else 0


def _say_outcome(outcome) -> int:
    """Print one round of `monitor watch`; its exit code for --once."""
    if isinstance(outcome, Exception):
        print(f"knotwork monitor watch: {outcome}", file=sys.stderr, flush=True)
        return 1
    s = outcome.status
    print(f"{s.model} version {s.version}: {s.verdict.value}", flush=True)
    if outcome.note:
        print(f"  {outcome.note}", flush=True)
    r = outcome.retrained
    if r is not None:
        envs = ", ".join(r.promotions) or "no environment"
        print(f"  retrained {r.model}:{r.version} ({r.retraining['trigger']}), in {envs}")
        for refusal in r.refusals:
            print(f"  not promoted to {refusal}", file=sys.stderr)
    return ALERTING if s.alerting else 0


def run_watch(args: argparse.Namespace) -> int:
    import threading

    from studio.monitor import Alerter, parse_duration
    from studio.registry import Registry
    from studio.retrain.watch import MonitorWatch

    from .run import parse_assignments

    interval = parse_duration(args.interval)
    store = open_store(args.store)
    alerter = Alerter({"destinations": args.alert or []}, store=store)
    say = lambda m: print(f"retrain: {m}", file=sys.stderr, flush=True)  # noqa: E731
    with Registry(args.registry) as reg:
        try:
            watcher = MonitorWatch(
                args.uri,
                reg,
                store,
                workflow=args.retrain,
                parameters=parse_assignments(args.set),
                promote_to=args.promote_to or [],
                alerter=alerter,
                on_progress=say,
            )
            if args.once:
                return _say_outcome(watcher.once())
            print(f"watching {args.uri} every {args.interval} (Ctrl-C stops)", flush=True)
            watcher.run(interval, threading.Event(), _say_outcome)
        finally:
            store.close()
    return 0
