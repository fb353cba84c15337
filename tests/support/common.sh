# Shared by the scripts under tests/: sourced, not run.
# Needs PORTICO_ENDPOINT; sets PORT (execute-api answers at the same port) and the step/fail helpers.

: "${PORTICO_ENDPOINT:?set PORTICO_ENDPOINT, e.g. http://127.0.0.1:4566}"
PORT="${PORTICO_ENDPOINT##*:}"
PORT="${PORT%%/*}"
case "$PORT" in
    ''|*[!0-9]*) echo "PORTICO_ENDPOINT must name its port, e.g. http://127.0.0.1:4566" >&2; exit 1 ;;
esac

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
# What a laptop may lack skips a script (exit 77) with the reason; in CI (PORTICO_REQUIRE_ALL)
# it fails instead.
skip() {
    if [ -n "${PORTICO_REQUIRE_ALL:-}" ]; then fail "$* (PORTICO_REQUIRE_ALL is set)"; fi
    printf 'SKIPPED: %s\n' "$*"
    exit 77
}
