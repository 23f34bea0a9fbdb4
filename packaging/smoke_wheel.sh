#!/usr/bin/env bash
# `make test-packaging`: build the sdist and, from it, the wheel (python -m build), install the
# wheel with its dependencies into a fresh venv under build/packaging/ (pip's cache makes this
# quick; --no-compile skips writing .pyc for a venv used once), then run what a user runs
# from that installation, outside the checkout.
# Usage: packaging/smoke_wheel.sh [PYTHON_WITH_BUILD]   (default: .venv/bin/python)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
BUILDER="${1:-$REPO/.venv/bin/python}"
OUT="$REPO/build/packaging"
source "$REPO/packaging/smoke_common.sh"
start=$SECONDS

step "python -m build (sdist, then the wheel from the sdist)"
rm -rf "$OUT/dist" "$OUT/venv"
mkdir -p "$OUT"
"$BUILDER" -m build --outdir "$OUT/dist" "$REPO" > "$OUT.build.log" 2>&1 \
  || { cat "$OUT.build.log" >&2; fail "python -m build failed"; }
ls -l "$OUT"/dist
wheel="$(ls "$OUT"/dist/knotwork-*.whl)"

step "install $(basename "$wheel") into a fresh venv"
"${PYTHON:-python3}" -m venv "$OUT/venv"
"$OUT/venv/bin/python" -m pip install --no-compile --disable-pip-version-check "$wheel" > "$OUT.pip.log" 2>&1 \
  || { tail -40 "$OUT.pip.log" >&2; fail "pip install of the wheel failed"; }
echo "installed in $((SECONDS - start)) s"

smoke_sandbox
# The installed package answers, not the checkout.
where="$("$OUT/venv/bin/python" -c 'import studio, nodes; print(studio.__file__, nodes.__file__)')"
case "$where" in "$OUT/venv/"*) ;; *) fail "studio imported from outside the venv: $where" ;; esac
smoke_checks "$OUT/venv/bin/knotwork"
smoke_serve "$OUT/venv/bin/knotwork" serve
echo "wheel smoke test passed in $((SECONDS - start)) s"
