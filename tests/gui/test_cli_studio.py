"""`knotwork studio` is a registered command that takes an optional workflow file."""

from __future__ import annotations

from studio.cli.main import build_parser


def test_the_studio_command_accepts_an_optional_workflow():
    parser = build_parser()
    args = parser.parse_args(["studio", "flow.knotwork.json"])
    assert args.workflow == "flow.knotwork.json" and callable(args.func)
    assert parser.parse_args(["studio"]).workflow is None
