"""`knotwork nodes`: the node catalogue, as a table or JSON (ports and settings schema)."""

from __future__ import annotations

import argparse
import json

from studio.core import default_catalog


def cmd_nodes(args: argparse.Namespace) -> int:
    types = default_catalog().all()
    if args.json:
        print(json.dumps([t.describe() for t in types], indent=2, sort_keys=True, default=str))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"Knotwork nodes ({len(types)})")
    for col in ("category", "type_id", "name", "inputs → outputs"):
        table.add_column(col)
    for t in types:
        ports = f"{', '.join(p.type.value for p in t.inputs) or '-'} → {', '.join(p.type.value for p in t.outputs) or '-'}"
        table.add_row(t.category, t.type_id, t.name, ports)
    Console().print(table)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("nodes", help="list the node catalogue")
    p.add_argument("--json", action="store_true", help="every node with its ports and settings schema")
    p.set_defaults(func=cmd_nodes)
