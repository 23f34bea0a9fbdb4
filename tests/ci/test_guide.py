"""The user guide (docs/guide/) stays true: its command reference is what the parser
says today, its links and images exist, and every `knotwork …` command line it shows
names real commands and options."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from studio.cli.main import build_parser
from studio.cli.reference import reference_markdown

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "guide"
PAGES = sorted(GUIDE.glob("*.md"))


def test_the_guide_has_its_pages_and_the_readme_links_it():
    names = {p.name for p in PAGES}
    assert {"README.md", "getting-started.md", "analyst.md", "team.md", "it.md"} <= names
    assert "reference.md" in names
    assert "docs/guide/README.md" in (ROOT / "README.md").read_text()


def test_the_command_reference_is_up_to_date():
    committed = (GUIDE / "reference.md").read_text()
    assert committed == reference_markdown(), (
        "docs/guide/reference.md is stale: run `make docs` and commit it"
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_links_and_images_exist(page):
    text = page.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if target.startswith(("http://", "https://", "#", "mailto:")):
            continue
        path = (page.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{page.name}: broken link {target}"


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _command_lines(text: str) -> list[str]:
    """Every `knotwork …` line of the page's code blocks, continuations joined."""
    lines = []
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S):
        joined = re.sub(r"\\\n\s*", " ", block)
        for line in joined.splitlines():
            line = line.split(" # ")[0].strip().rstrip("&").strip()
            at = line.find("knotwork ")
            if at >= 0 and (at == 0 or line[at - 1] in " /"):
                lines.append(line[at:])
    return lines


@pytest.mark.parametrize(
    "page", [p for p in PAGES if p.name != "reference.md"], ids=lambda p: p.name
)
def test_every_command_shown_names_real_commands_and_options(page):
    parser = build_parser()
    shown = _command_lines(page.read_text())
    if page.name != "README.md":
        assert shown or page.name == "analyst.md", f"{page.name} shows no command"
    for line in shown:
        words = shlex.split(line)[1:]
        current, path = parser, ["knotwork"]
        while words and _subparsers(current) and not words[0].startswith("-"):
            subs = _subparsers(current)
            assert words[0] in subs, (
                f"{page.name}: `{line}`: no command {' '.join(path)} {words[0]}"
            )
            current = subs[words.pop(0)]
            path.append(current.prog.split()[-1])
        known = {flag for a in current._actions for flag in a.option_strings}
        for word in words:
            if word.startswith("--"):
                flag = word.split("=")[0]
                assert flag in known, (
                    f"{page.name}: `{line}`: {' '.join(path)} has no option {flag}"
                )
