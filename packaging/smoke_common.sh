# Shared by the smoke tests of an installed Knotwork: `smoke_checks KNOTWORK...` runs the
# real commands a user runs (version, a template run, deploy, score, serve) in a sandbox.
# Sourced, not run; REPO must be set. Needs python3 (for a free port and an HTTP GET).

smoke_sandbox() {
  SANDBOX="$(mktemp -d "${TMPDIR:-/tmp}/knotwork-smoke.XXXXXX")"
  trap 'rm -rf "$SANDBOX"' EXIT
  # Keys, registry, monitoring store and studio preferences stay in the sandbox.
  export HOME="$SANDBOX/home" XDG_CONFIG_HOME="$SANDBOX/home/.config"
  export KNOTWORK_HOME="$SANDBOX/knotwork" KNOTWORK_WORKSPACE="$SANDBOX/workspace"
  export KNOTWORK_AUDIT_OFFLINE=1 MPLBACKEND=Agg
  mkdir -p "$HOME" "$KNOTWORK_WORKSPACE"
  cd "$SANDBOX"
}

step() { printf '== %s\n' "$*"; }
fail() { printf 'SMOKE FAILED: %s\n' "$*" >&2; exit 1; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_health PORT PID: until GET /health answers 200 (the server may take a while to load).
wait_health() {
  python3 - "$1" "$2" <<'PY'
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit("the server exited before answering /health")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
            if r.status == 200:
                print(f"GET /health -> {r.status} {r.read().decode()}")
                sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("no 200 from /health within 120 s")
PY
}

# smoke_checks CMD...: CMD is how to call `knotwork` (a path, or a program plus arguments).
smoke_checks() {
  local penguins="$REPO/workspace_templates/penguins/penguins.knotwork.json"

  step "knotwork --version"
  "$@" --version | tee version.txt
  grep -Eq '^knotwork [0-9]' version.txt || fail "--version printed no version"

  step "knotwork run (headless) $penguins"
  "$@" run "$penguins" --output "Predict:predictions=predictions.csv" --report run.json \
    || fail "the template run failed"
  [ "$(wc -l < predictions.csv)" -gt 50 ] || fail "predictions.csv has almost no rows"

  step "knotwork deploy"
  "$@" deploy "$penguins" --output bundles/penguins.zip || fail "deploy failed"
  "$@" bundle verify bundles/penguins.zip || fail "the bundle does not verify"

  step "knotwork score"
  python3 - "$REPO/workspace_templates/penguins/penguins.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))[:25]
keep = ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex"]
with open("new_rows.csv", "w", newline="") as fh:
    w = csv.DictWriter(fh, keep, extrasaction="ignore")
    w.writeheader()
    w.writerows(r for r in rows if all(r[k] for k in keep))
PY
  "$@" score bundles/penguins.zip --input new_rows.csv --output scored.csv --no-progress \
    || fail "score failed"
  [ "$(wc -l < scored.csv)" -eq "$(wc -l < new_rows.csv)" ] || fail "scored.csv lost rows"
  head -3 scored.csv

  step "knotwork bundle dockerfile"
  "$@" bundle dockerfile bundles/penguins.zip --output image || fail "bundle dockerfile failed"
  grep -q '^ENTRYPOINT \["knotwork", "serve", "/srv/bundle"' image/Dockerfile \
    || fail "the build context's Dockerfile has no knotwork serve ENTRYPOINT"
}

# smoke_serve CMD...: `CMD serve` a bundle on a free port until /health answers, then stop it.
# Its stdin is a pipe held open here, as the studio holds a lifeline server's.
smoke_serve() {
  local port pid
  port="$(free_port)"
  step "serve on 127.0.0.1:$port: $*"
  rm -f stdin.fifo && mkfifo stdin.fifo
  "$@" bundles/penguins.zip --host 127.0.0.1 --port "$port" --no-monitor > serve.log 2>&1 < stdin.fifo &
  pid=$!
  exec 3> stdin.fifo
  if ! wait_health "$port" "$pid"; then
    cat serve.log >&2
    kill "$pid" 2>/dev/null
    fail "the server did not answer /health"
  fi
  exec 3>&-
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
}
