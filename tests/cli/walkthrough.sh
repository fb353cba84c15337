#!/usr/bin/env bash
# The README's 5-minute walk-through with the AWS CLI, as a script that checks itself.
#
#   PORTICO_ENDPOINT=http://127.0.0.1:4566 tests/cli/walkthrough.sh
#
# It builds one REST API with a MOCK method (/hello) and an HTTP_PROXY to a tiny local
# backend (/proxy/{proxy+}), deploys it to stage `dev`, calls both through execute-api,
# patches the stage and deletes the API. Needs: aws (CLI v1 or v2), curl, python3.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_PAGER=""

# execute-api answers on {api-id}.execute-api.localhost at the same port as the control plane.
# shellcheck source=../support/common.sh
source "$HERE/../support/common.sh"
apigw() { aws --endpoint-url "$PORTICO_ENDPOINT" apigateway "$@"; }

# Compares a response body with the one expected, byte for byte.
expect_body() {
    local url="$1" want="$2" got
    got="$(curl -sS "$url")" || fail "curl $url failed"
    echo "$got"
    [ "$got" = "$want" ] || fail "GET $url: expected body '$want', got '$got'"
}

step "Start a tiny backend that answers {\"method\": ..., \"path\": ...}"
WORK="$(mktemp -d)"
BACKEND_PID=""
API_ID=""
cleanup() {
    # After a failure, take the half-built API away too.
    if [ -n "$API_ID" ]; then apigw delete-rest-api --rest-api-id "$API_ID" >/dev/null 2>&1 || true; fi
    if [ -n "$BACKEND_PID" ]; then kill "$BACKEND_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
python3 -u "$HERE/../support/echo_backend.py" >"$WORK/backend.port" &
BACKEND_PID=$!
for _ in $(seq 50); do [ -s "$WORK/backend.port" ] && break; sleep 0.1; done
BACKEND_PORT="$(head -1 "$WORK/backend.port")"
[ -n "$BACKEND_PORT" ] || fail "the backend did not start"
echo "backend on 127.0.0.1:$BACKEND_PORT"

step "Create a REST API"
API_ID="$(apigw create-rest-api --name walkthrough --description 'Portico walk-through' --query id --output text)"
echo "api id: $API_ID"

step "Find its root resource (/)"
ROOT_ID="$(apigw get-resources --rest-api-id "$API_ID" --query "items[?path=='/'].id" --output text)"
echo "root resource: $ROOT_ID"

step "GET /hello: a MOCK integration"
HELLO_ID="$(apigw create-resource --rest-api-id "$API_ID" --parent-id "$ROOT_ID" --path-part hello --query id --output text)"
apigw put-method --rest-api-id "$API_ID" --resource-id "$HELLO_ID" --http-method GET \
    --authorization-type NONE
apigw put-method-response --rest-api-id "$API_ID" --resource-id "$HELLO_ID" --http-method GET \
    --status-code 200
apigw put-integration --rest-api-id "$API_ID" --resource-id "$HELLO_ID" --http-method GET \
    --type MOCK --request-templates '{"application/json": "{\"statusCode\": 200}"}'
apigw put-integration-response --rest-api-id "$API_ID" --resource-id "$HELLO_ID" --http-method GET \
    --status-code 200 --response-templates '{"application/json": "{\"message\": \"hello from portico\"}"}'

step "ANY /proxy/{proxy+}: an HTTP_PROXY to the backend, found through a stage variable"
PROXY_ID="$(apigw create-resource --rest-api-id "$API_ID" --parent-id "$ROOT_ID" --path-part proxy --query id --output text)"
GREEDY_ID="$(apigw create-resource --rest-api-id "$API_ID" --parent-id "$PROXY_ID" --path-part '{proxy+}' --query id --output text)"
apigw put-method --rest-api-id "$API_ID" --resource-id "$GREEDY_ID" --http-method ANY \
    --authorization-type NONE --request-parameters method.request.path.proxy=true
apigw put-integration --rest-api-id "$API_ID" --resource-id "$GREEDY_ID" --http-method ANY \
    --type HTTP_PROXY --integration-http-method ANY \
    --uri 'http://${stageVariables.backend}/{proxy}' \
    --request-parameters integration.request.path.proxy=method.request.path.proxy

step "Deploy to stage dev, with the backend's address as a stage variable"
apigw create-deployment --rest-api-id "$API_ID" --stage-name dev \
    --variables "backend=127.0.0.1:$BACKEND_PORT"
apigw get-stages --rest-api-id "$API_ID"

step "Call GET /dev/hello"
expect_body "http://$API_ID.execute-api.localhost:$PORT/dev/hello" '{"message": "hello from portico"}'

step "Call GET /dev/proxy/pets/42 (forwarded to the backend as /pets/42)"
expect_body "http://$API_ID.execute-api.localhost:$PORT/dev/proxy/pets/42" '{"method": "GET", "path": "/pets/42"}'

step "Patch the stage's description"
apigw update-stage --rest-api-id "$API_ID" --stage-name dev \
    --patch-operations op=replace,path=/description,value='Walk-through stage'
DESCRIPTION="$(apigw get-stage --rest-api-id "$API_ID" --stage-name dev --query description --output text)"
[ "$DESCRIPTION" = "Walk-through stage" ] || fail "stage description is '$DESCRIPTION'"

step "Delete the API"
apigw delete-rest-api --rest-api-id "$API_ID"
if apigw get-rest-api --rest-api-id "$API_ID" >/dev/null 2>&1; then
    fail "the API is still there after delete-rest-api"
fi
API_ID=""

step "Walk-through passed"
