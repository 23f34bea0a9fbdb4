"""Workflow templates: each `workspace_templates/<name>/` folder holds a `*.knotwork.json`,
its data, a SOURCE.md and optionally a `template.json` (title, fault line, description,
walkthrough steps, commands to try). The studio's gallery and `knotwork templates` both
read them here; a copy goes into the workspace so the original stays clean."""

from __future__ import annotations

import json
import os
import shutil
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from .errors import KnotworkError

METADATA_FILE = "template.json"
TEMPLATES_ENV = "KNOTWORK_TEMPLATES"
# A checkout keeps the templates beside the package; a wheel installs them as data files
# under <prefix>/share/knotwork/ (pyproject.toml's data-files).
CHECKOUT_DIR = Path(__file__).resolve().parents[2] / "workspace_templates"
SHARE = Path("share") / "knotwork" / "workspace_templates"


def installed_dirs() -> list[Path]:
    """Where an installed wheel's templates may be: the interpreter's data prefix, the user
    scheme's (pip --user), and the prefix the package itself sits under (pip --prefix)."""
    user_scheme = f"{os.name}_user" if os.name != "posix" else "posix_user"
    prefixes = [sysconfig.get_path("data")]
    if user_scheme in sysconfig.get_scheme_names():
        prefixes.append(sysconfig.get_path("data", user_scheme))
    package = Path(__file__).resolve()
    # <prefix>/lib/pythonX.Y/site-packages/studio/core/templates.py, or <prefix>/Lib/... on Windows
    prefixes += [str(package.parents[5]), str(package.parents[4])]
    return list(dict.fromkeys(Path(p) / SHARE for p in prefixes))


class TemplateError(KnotworkError):
    """A template that cannot be found or copied."""


@dataclass(frozen=True)
class Template:
    name: str  # the workflow's own name (shown as the title when template.json has none)
    description: str
    path: Path  # the workflow file
    title: str = ""
    fault_line: str = ""
    walkthrough: tuple[str, ...] = field(default_factory=tuple)
    commands: tuple[str, ...] = field(default_factory=tuple)
    order: int = 100

    @property
    def folder(self) -> str:
        """The name `knotwork templates copy` takes: the template's folder name."""
        return self.path.parent.name

    @property
    def heading(self) -> str:
        return self.title or self.name


def templates_dir() -> Path:
    """Where templates are read from: $KNOTWORK_TEMPLATES, the checkout, the installed copy."""
    configured = os.environ.get(TEMPLATES_ENV)
    if configured:
        return Path(configured).expanduser()
    if CHECKOUT_DIR.is_dir():
        return CHECKOUT_DIR
    candidates = installed_dirs()
    return next((d for d in candidates if d.is_dir()), candidates[0])


def _strings(value, where: Path, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TemplateError(f"{where}: {key!r} must be a list of strings")
    return tuple(value)


def read_template(path: Path) -> Template:
    """One template from its workflow file and, beside it, its template.json (if any)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TemplateError(f"{path}: cannot read the workflow ({exc})") from None
    meta: dict = {}
    meta_path = path.parent / METADATA_FILE
    if meta_path.is_file():
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise TemplateError(f"{meta_path}: not readable JSON ({exc})") from None
        if not isinstance(meta, dict):
            raise TemplateError(f"{meta_path}: must be a JSON object")
    return Template(
        name=data.get("name") or path.parent.name,
        description=meta.get("description") or data.get("description", ""),
        path=path,
        title=str(meta.get("title", "")),
        fault_line=str(meta.get("fault_line", "")),
        walkthrough=_strings(meta.get("walkthrough", []), meta_path, "walkthrough"),
        commands=_strings(meta.get("commands", []), meta_path, "commands"),
        order=int(meta.get("order", 100)),
    )


def find_templates(root: Path | None = None) -> list[Template]:
    """Every readable template under root (default: templates_dir()), in gallery order.
    An unreadable folder is skipped, so one broken template never hides the others."""
    root = templates_dir() if root is None else root
    out = []
    for path in sorted(root.glob("*/*.knotwork.json")):
        try:
            out.append(read_template(path))
        except TemplateError:
            continue
    return sorted(out, key=lambda t: (t.order, t.folder))


def template_named(name: str, root: Path | None = None) -> Template:
    """The template in folder `name`, or an error listing the ones there are."""
    found = find_templates(root)
    for t in found:
        if t.folder == name:
            return t
    known = ", ".join(t.folder for t in found) or "none"
    raise TemplateError(f"no template named {name!r} (templates: {known})")


def copy_template(template: Template, workspace: Path) -> Path:
    """Copy the template's folder into the workspace under a free name; return the workflow path."""
    workspace.mkdir(parents=True, exist_ok=True)
    base = template.path.parent.name
    target, i = workspace / base, 2
    while target.exists():
        target, i = workspace / f"{base}-{i}", i + 1
    return _copy_into(template, target)


def copy_template_to(template: Template, dest: Path) -> Path:
    """Copy the template's folder to dest (which must not exist or be an empty folder)."""
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise TemplateError(f"{dest} already exists and is not an empty folder: choose another")
    if dest.is_dir():
        dest.rmdir()
    return _copy_into(template, dest)


def _copy_into(template: Template, target: Path) -> Path:
    # Copied to a temporary sibling, then renamed: a half-copied template never appears.
    tmp = target.with_name(f".{target.name}.copying")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(
        template.path.parent,
        tmp,
        ignore=shutil.ignore_patterns(".*", "__pycache__", "*.py"),
    )
    tmp.rename(target)
    return target / template.path.name
