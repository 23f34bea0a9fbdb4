"""`knotwork keys generate`: create an Ed25519 key pair for signing bundles."""

from __future__ import annotations

import argparse

from studio.security.signing import DEFAULT_KEY_NAME, generate_key, trusted_dir


def cmd_generate(args: argparse.Namespace) -> int:
    pair = generate_key(args.out, args.name, trust=not args.no_trust)
    print(f"private key: {pair.private_path} (keep it secret)")
    print(f"public key:  {pair.public_path} (give it to whoever verifies your bundles)")
    print(f"key id:      {pair.key_id}")
    if not args.no_trust:
        print(f"trusted on this machine via {trusted_dir() / (pair.key_id + '.pub')}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "keys",
        help="signing keys for bundles",
        description="Manage the Ed25519 keys that sign bundles.",
    )
    ksub = p.add_subparsers(dest="keys_command", metavar="COMMAND")
    g = ksub.add_parser("generate", help="create a new signing key pair")
    g.add_argument(
        "--out",
        metavar="DIR",
        help="folder for the key pair (default: ~/.config/knotwork/keys, or $KNOTWORK_HOME/keys)",
    )
    g.add_argument(
        "--name",
        default=DEFAULT_KEY_NAME,
        help="file name of the pair: NAME.key and NAME.pub (default: %(default)s)",
    )
    g.add_argument(
        "--no-trust",
        action="store_true",
        help="do not add the public key to this machine's trusted keys",
    )
    g.set_defaults(func=cmd_generate)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
