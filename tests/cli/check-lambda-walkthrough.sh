#!/usr/bin/env bash
# Runs the README's Lambda walk-through (lambda-walkthrough.sh) against Portico and checks it.
#
#   PORTICO_ENDPOINT=http://127.0.0.1:4566 tests/cli/check-lambda-walkthrough.sh
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
step "Running the Lambda walk-through (Portico on port $PORT)"
# The trace (stderr) shows each command; stdout keeps the answers whole for the checks.
PORT="$PORT" bash -x "$HERE/lambda-walkthrough.sh" >"$OUT" 2>"$TRACE" || {
    cat "$TRACE" "$OUT"
    fail "the Lambda walk-through failed"
}
cat "$TRACE" "$OUT"
grep -qxF '{"hello": "portico", "path": "/greet"}' "$OUT" || fail "the function did not answer through the API"
step "Lambda walk-through passed"
