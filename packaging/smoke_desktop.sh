#!/usr/bin/env bash
# Run by `make package`: start the built desktop program as a user would, headless: the
# command line (version, a template run with node worker processes, deploy, score), the
# local server the studio starts (`knotwork -m studio.cli.lifeline serve`), and the studio
# window offscreen, which quits by itself.
# Usage: packaging/smoke_desktop.sh [PROGRAM]   (default: build/desktop/dist/knotwork/knotwork)
set -euo pipefail
REPO="$(cd "$(dirname "$0")/.." && pwd)"
PROGRAM="$(realpath "${1:-$REPO/build/desktop/dist/knotwork/knotwork}")"
[ -x "$PROGRAM" ] || { echo "no built program at $PROGRAM: run make package" >&2; exit 2; }
source "$REPO/packaging/smoke_common.sh"
start=$SECONDS
smoke_sandbox

step "a template run with long nodes in worker processes (--isolate)"
"$PROGRAM" run --isolate "$REPO/workspace_templates/penguins/penguins.knotwork.json" > isolate.log 2>&1 \
  || { cat isolate.log >&2; fail "the run with worker processes failed"; }
smoke_checks "$PROGRAM"
smoke_serve "$PROGRAM" -m studio.cli.lifeline serve

step "the studio, offscreen, quits after 5 s"
QT_QPA_PLATFORM=offscreen "$PROGRAM" studio --quit-after 5 < /dev/null 2>&1 | tee studio.log
grep -q "was shown; quitting" studio.log || fail "the studio window did not come up"
echo "desktop smoke test passed in $((SECONDS - start)) s ($(du -sh "$(dirname "$PROGRAM")" | cut -f1) on disk)"
