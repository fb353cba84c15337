#!/usr/bin/env bash
# Applies main.tf against Portico with the real AWS provider, offline, and checks the round trip:
# apply, no drift on a second plan, both methods answer through execute-api; the same after
# an update (revision 2); destroy. websocket_api.tf's WebSocket API is checked with a real
# WebSocket client (Python's `websockets`) after each apply.
#
#   PORTICO_ENDPOINT=http://127.0.0.1:4566 tests/terraform/run.sh
#
# The hashicorp/aws provider comes from a filesystem mirror (the directory holding
# registry.terraform.io); set TF_PLUGIN_MIRROR to choose it, otherwise it is searched for.
set -euo pipefail

unset TF_LOG
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../support/common.sh
source "$HERE/../support/common.sh"

WORK="$(mktemp -d)"
BACKEND_PID=""
APPLIED=""
cleanup() {
    # After a failure, destroy whatever the state records, so Portico is left as found.
    if [ -n "$APPLIED" ]; then
        (cd "$WORK/tf" && terraform destroy -input=false -no-color -auto-approve "${VARS[@]}" >/dev/null 2>&1) ||
            echo "cleanup: terraform destroy failed; resources may remain in Portico" >&2
    fi
    if [ -n "$BACKEND_PID" ]; then kill "$BACKEND_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

step "Provider mirror and CLI configuration"
terraform_offline "$WORK"

step "Start the HTTP_PROXY backend"
python3 -u "$HERE/../support/echo_backend.py" >"$WORK/backend.port" &
BACKEND_PID=$!
for _ in $(seq 50); do [ -s "$WORK/backend.port" ] && break; sleep 0.1; done
BACKEND_PORT="$(head -1 "$WORK/backend.port")"
[ -n "$BACKEND_PORT" ] || fail "the backend did not start"
echo "backend on 127.0.0.1:$BACKEND_PORT"

# The WebSocket check needs a WebSocket client, and the functions behind its authorizer and
# routes need the Lambda runtime interface client. Without them (outside CI) the WebSocket API
# is still applied and planned, only not called.
WS_CLIENT=1
for module in websockets awslambdaric; do
    if ! python3 -c "import $module" 2>/dev/null; then
        [ -n "${PORTICO_REQUIRE_ALL:-}" ] && fail "the Python module $module is not installed (PORTICO_REQUIRE_ALL is set)"
        echo "the Python module $module is not installed: the WebSocket API will not be called"
        WS_CLIENT=""
    fi
done

# The WebSocket API's functions (websocket_api.tf): the $connect authorizer lets in
# ?token=allow only; the handler answers $connect and $default.
mkdir "$WORK/ws"
cat >"$WORK/ws/ws.py" <<'PY'
import json
import os


def authorize(event, context):
    token = (event.get("queryStringParameters") or {}).get("token")
    effect = "Allow" if token == "allow" else "Deny"
    statement = {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
    return {"principalId": "tf-user", "policyDocument": {"Version": "2012-10-17", "Statement": [statement]}}


def handler(event, context):
    route = event["requestContext"]["routeKey"]
    return {"statusCode": 200, "body": json.dumps({"route": route, "revision": os.environ.get("REVISION")})}
PY
(cd "$WORK/ws" && python3 -c 'import zipfile; z = zipfile.ZipFile("../ws.zip", "w"); z.write("ws.py"); z.close()')

mkdir "$WORK/tf"
cp "$HERE/main.tf" "$HERE/rest_fidelity.tf" "$HERE/rest_misc.tf" "$HERE/rest_management.tf" "$HERE/canary.tf" \
    "$HERE/http_api.tf" "$HERE/openapi.tf" "$HERE/websocket_api.tf" "$WORK/tf/"
cd "$WORK/tf"
VARS=(-var "endpoint=$PORTICO_ENDPOINT" -var "backend=127.0.0.1:$BACKEND_PORT" -var "ws_zip=$WORK/ws.zip")

step "terraform init"
terraform init -input=false -no-color

expect_body() {
    local method="$1" url="$2" want="$3" got
    got="$(curl -sS -X "$method" "$url")" || fail "curl -X $method $url failed"
    echo "$method $url -> $got"
    [ "$got" = "$want" ] || fail "$method $url: expected body '$want', got '$got'"
}

# Applies revision $1, checks that a fresh plan is empty, then calls both methods.
apply_revision() {
    local rev="$1"
    step "terraform apply (revision $rev)"
    APPLIED=1
    terraform apply -input=false -no-color -auto-approve "${VARS[@]}" -var "revision=$rev"

    step "terraform plan (revision $rev): no drift"
    terraform_no_drift "${VARS[@]}" -var "revision=$rev"

    local api_id stage base
    api_id="$(terraform output -raw api_id)"
    stage="$(terraform output -raw stage_name)"
    base="http://$api_id.execute-api.localhost:$PORT/$stage"
    echo "invoke_url (AWS): $(terraform output -raw invoke_url)"
    echo "invoke base (Portico): $base"

    step "Call the MOCK, HTTP_PROXY and HTTP methods (revision $rev)"
    expect_body GET "$base/pets" "{\"pets\":[],\"revision\":$rev}"
    expect_body GET "$base/pets/cats/7" '{"method": "GET", "path": "/cats/7"}'
    expect_body POST "$base/pets/dogs" '{"method": "POST", "path": "/dogs"}'
    # HTTP with parameter mappings and templates: the backend echoes what it got, the
    # response template reshapes it.
    expect_body GET "$base/items/7?view=full" "{\"got\": \"/items/7?view=full\", \"method\": \"GET\", \"revision\": \"$rev\"}"
    # The canary stage sends everything to its canary, whose overrides name the backend.
    expect_body GET "http://$api_id.execute-api.localhost:$PORT/$(terraform output -raw canary_stage_name)/pets/cats/7" '{"method": "GET", "path": "/cats/7"}'

    # rest_management.tf: GET /status needs the usage plan's key. The stage caches it, so
    # revision 2 may still be answered revision 1's body until the TTL is over.
    step "Call the managed API with and without its key (revision $rev)"
    local managed key status got
    managed="http://$(terraform output -raw managed_api_id).execute-api.localhost:$PORT/prod"
    key="$(terraform output -raw managed_api_key)"
    status="$(curl -sS -o /dev/null -w '%{http_code}' "$managed/status")"
    echo "GET $managed/status (no key) -> $status"
    [ "$status" = 403 ] || fail "GET /status without a key: expected 403, got $status"
    got="$(curl -sS -H "x-api-key: $key" "$managed/status")"
    echo "GET $managed/status (key) -> $got"
    case "$got" in
        '{"revision":'*',"status":"ok"}' | '{"status":"ok","revision":'*) ;;
        *) fail "GET /status with the key: got '$got'" ;;
    esac

    step "Call the HTTP API's stages and its custom domain (revision $rev)"
    local http_api domain
    http_api="http://$(terraform output -raw http_api_id).execute-api.localhost:$PORT"
    domain="$(terraform output -raw http_domain)"
    expect_body GET "$http_api/items/cats/7" '{"method": "GET", "path": "/cats/7"}'
    expect_body POST "$http_api/prod/items/dogs" '{"method": "POST", "path": "/dogs"}'
    status="$(curl -sS -o /dev/null -w '%{http_code}' "$http_api/secured")"
    [ "$status" = 401 ] || fail "GET /secured without a token: expected 401, got $status"
    status="$(curl -sS -o /dev/null -w '%{http_code}' "$http_api/guarded")"
    [ "$status" = 401 ] || fail "GET /guarded without its identity source: expected 401, got $status"
    got="$(curl -sS -o /dev/null -w '%{http_code} %header{access-control-allow-origin}' -X OPTIONS \
        -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: POST' "$http_api/nothing")"
    [ "$got" = "204 https://app.example" ] || fail "CORS preflight: got '$got'"
    got="$(curl -sS -H "Host: $domain:$PORT" "http://127.0.0.1:$PORT/v1/items/cats/7")"
    [ "$got" = '{"method": "GET", "path": "/cats/7"}' ] || fail "the custom domain's v1 mapping: got '$got'"
    got="$(curl -sS -H "Host: $domain:$PORT" "http://127.0.0.1:$PORT/quick/anything")"
    [ "$got" = '{"method": "GET", "path": "/quick"}' ] || fail "the custom domain's quick mapping: got '$got'"

    step "Connect to the WebSocket API and call its MOCK route (revision $rev)"
    echo "wss endpoint (AWS): $(terraform output -raw ws_invoke_url)"
    if [ -n "$WS_CLIENT" ]; then
        python3 - "$PORT" "$(terraform output -raw ws_api_id)" "$(terraform output -raw ws_stage_name)" "$rev" <<'PY' ||
import json
import socket
import sys

from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

port, api, stage, rev = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def host_form(query):
    # ws://{api}.execute-api.localhost:{port}/{stage}, reached on 127.0.0.1 whatever the resolver.
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    return connect(f"ws://{api}.execute-api.localhost:{port}/{stage}{query}", sock=sock, open_timeout=10)


def path_form(query):
    return connect(f"ws://127.0.0.1:{port}/_aws/execute-api/{api}/{stage}{query}", open_timeout=10)


def echo(open_ws, form):
    with open_ws("?token=allow") as ws:
        ws.send(json.dumps({"action": "echo"}))
        got = ws.recv(timeout=10)
    print(f"{form}: echo -> {got}")
    if json.loads(got) != {"route": "echo", "revision": rev}:
        fail(f"{form}: the MOCK route's response template: got {got!r}")


def refused(query, status):
    try:
        ws = host_form(query)
    except InvalidStatus as e:
        got = e.response.status_code
        print(f"connect {query or '(no token)'} -> {got}")
        if got != status:
            fail(f"connect {query or 'without a token'}: expected {status}, got {got}")
        return
    ws.close()
    fail(f"connect {query or 'without a token'} was accepted; the authorizer should refuse it")


echo(host_form, "host form")
echo(path_form, "path form")
# No identity source: 401 before the authorizer runs; its Deny: 403.
refused("", 401)
refused("?token=deny", 403)
PY
            fail "the WebSocket API did not answer as configured (revision $rev)"
    else
        echo "skipped: no WebSocket client"
    fi

    step "Call the methods of the API imported from OpenAPI (revision $rev)"
    local imported
    imported="http://$(terraform output -raw imported_api_id).execute-api.localhost:$PORT/$(terraform output -raw imported_stage_name)"
    expect_body GET "$imported/imported" "{\"imported\":true,\"revision\":$rev}"
    expect_body GET "$imported/imported/cats/7" '{"method": "GET", "path": "/cats/7"}'
}

apply_revision 1
apply_revision 2

step "terraform destroy"
terraform destroy -input=false -no-color -auto-approve "${VARS[@]}" -var revision=2
APPLIED=""

step "Terraform round trip passed"
