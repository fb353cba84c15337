#!/usr/bin/env bash
# Runs the README's walk-through (walkthrough.sh) against Portico and checks what it printed.
#
#   PORTICO_ENDPOINT=http://127.0.0.1:4566 tests/cli/check-walkthrough.sh
#
# Without the AWS CLI it exits 77 (skipped), unless PORTICO_REQUIRE_ALL is set (CI).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../support/common.sh
source "$HERE/../support/common.sh"

for tool in aws curl python3; do
    command -v "$tool" >/dev/null || skip "$tool is not on the PATH (pip install awscli for the AWS CLI)"
done

OUT="$(mktemp)" TRACE="$(mktemp)"
trap 'rm -f "$OUT" "$TRACE"' EXIT
BACKEND_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
step "Running the walk-through (Portico on port $PORT, backend on $BACKEND_PORT)"
# The trace (stderr) shows each command; stdout keeps the answers whole for the checks.
PORT="$PORT" BACKEND_PORT="$BACKEND_PORT" bash -x "$HERE/walkthrough.sh" >"$OUT" 2>"$TRACE" || {
    cat "$TRACE" "$OUT"
    fail "the walk-through failed"
}
cat "$TRACE" "$OUT"

step "Checking its answers"
grep -qxF '{"message": "hello from portico"}' "$OUT" || fail "GET /dev/hello did not answer the MOCK body"
grep -qxF '{"id": 42, "name": "Rex"}' "$OUT" || fail "GET /dev/proxy/pets/42 did not reach the backend"
API_ID="$(grep -oE 'http://[a-z0-9]{10}\.execute-api' "$TRACE" | head -1 | cut -c8-17)"
[ -n "$API_ID" ] || fail "no API id in the walk-through's output"
if aws --endpoint-url "$PORTICO_ENDPOINT" apigateway get-rest-api --rest-api-id "$API_ID" >/dev/null 2>&1; then
    fail "the API is still there after the walk-through deleted it"
fi
step "Walk-through passed"
