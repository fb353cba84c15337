#!/usr/bin/env bash
# Runs the README's HTTP API walk-through (http-api-walkthrough.sh) against Portico and checks it.
#
#   PORTICO_ENDPOINT=http://127.0.0.1:4566 tests/cli/check-http-api-walkthrough.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../support/common.sh
source "$HERE/../support/common.sh"
for tool in aws curl python3; do
    command -v "$tool" >/dev/null || skip "$tool is not on the PATH"
done
python3 -c 'import awslambdaric' 2>/dev/null || skip "python3 -m pip install awslambdaric (Python functions need it)"

OUT="$(mktemp)" TRACE="$(mktemp)"
trap 'rm -f "$OUT" "$TRACE"' EXIT
step "Running the HTTP API walk-through (Portico on port $PORT)"
# The trace (stderr) shows each command; stdout keeps the answers whole for the checks.
PORT="$PORT" bash -x "$HERE/http-api-walkthrough.sh" >"$OUT" 2>"$TRACE" || {
    cat "$TRACE" "$OUT"
    fail "the HTTP API walk-through failed"
}
cat "$TRACE" "$OUT"
grep -qxF '{"route": "$default", "id": null}' "$OUT" || fail "the \$default route did not answer"
grep -qxF '{"route": "GET /items/{id}", "id": "42"}' "$OUT" || fail "the new route was not served at once"
step "HTTP API walk-through passed"
