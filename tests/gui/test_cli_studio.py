"""`knotwork studio` is a registered command that takes an optional workflow file."""

from __future__ import annotations

from studio.cli.main import build_parser


def test_the_studio_command_accepts_an_optional_workflow():
    parser = build_parser()
    args = parser.parse_args(["studio", "flow.knotwork.json"])
    assert args.workflow == "flow.knotwork.json" and callable(args.func)
    assert parser.parse_args(["studio"]).workflow is None


def test_quit_after_refuses_what_is_not_a_positive_number_of_seconds(capsys):
    parser = build_parser()
    assert parser.parse_args(["studio", "--quit-after", "2.5"]).quit_after == 2.5
    for bad in ("soon", "0", "-3"):
        try:
            parser.parse_args(["studio", "--quit-after", bad])
        except SystemExit as exc:
            assert exc.code == 2
        else:
            raise AssertionError(f"--quit-after {bad} was accepted")
        assert "--quit-after" in capsys.readouterr().err


def test_the_real_studio_opens_offscreen_a_workflow_and_quits_by_itself_with_exit_0(tmp_path):
    """What a smoke test of an installation runs: a fresh process, the real window."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    workflow = (
        Path(__file__).resolve().parents[2] / "workspace_templates/penguins/penguins.knotwork.json"
    )
    home = tmp_path / "home"
    done = subprocess.run(
        [sys.executable, "-m", "studio", "studio", str(workflow), "--quit-after", "1"],
        env={
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "the window 'penguins — Knotwork Studio' was shown; quitting after 1 s" in done.stdout
