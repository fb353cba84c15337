#!/usr/bin/env bash
# The README's "Five minutes with the AWS CLI". The README shows the lines between the
# `readme` markers verbatim (a test keeps the two equal); tests/cli/check-walkthrough.sh runs
# this script against a Portico and checks every answer. Needs: aws (CLI v1 or v2), curl, python3.
set -euo pipefail
# A failed run must not leave the backend behind.
trap 'if [ -n "${BACKEND:-}" ]; then kill "$BACKEND" 2>/dev/null || true; fi' EXIT

# readme:start
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
PORT="${PORT:-4566}" BACKEND_PORT="${BACKEND_PORT:-8000}"
apigw() { aws --endpoint-url "http://127.0.0.1:$PORT" apigateway "$@"; }

# A backend for the HTTP_PROXY method: a static file server holding one pet.
PETS="$(mktemp -d)" && mkdir "$PETS/pets" && echo '{"id": 42, "name": "Rex"}' > "$PETS/pets/42"
python3 -m http.server "$BACKEND_PORT" --bind 127.0.0.1 --directory "$PETS" >/dev/null 2>&1 &
BACKEND=$!

API_ID=$(apigw create-rest-api --name walkthrough --query id --output text)
ROOT_ID=$(apigw get-resources --rest-api-id "$API_ID" --query "items[?path=='/'].id" --output text)

# GET /hello answered by a MOCK integration
HELLO_ID=$(apigw create-resource --rest-api-id "$API_ID" --parent-id "$ROOT_ID" --path-part hello --query id --output text)
apigw put-method --rest-api-id "$API_ID" --resource-id "$HELLO_ID" --http-method GET --authorization-type NONE
apigw put-method-response --rest-api-id "$API_ID" --resource-id "$HELLO_ID" --http-method GET --status-code 200
apigw put-integration --rest-api-id "$API_ID" --resource-id "$HELLO_ID" --http-method GET \
    --type MOCK --request-templates '{"application/json": "{\"statusCode\": 200}"}'
apigw put-integration-response --rest-api-id "$API_ID" --resource-id "$HELLO_ID" --http-method GET \
    --status-code 200 --response-templates '{"application/json": "{\"message\": \"hello from portico\"}"}'

# ANY /proxy/{proxy+} forwarded to the backend, whose address is a stage variable
PROXY_ID=$(apigw create-resource --rest-api-id "$API_ID" --parent-id "$ROOT_ID" --path-part proxy --query id --output text)
GREEDY_ID=$(apigw create-resource --rest-api-id "$API_ID" --parent-id "$PROXY_ID" --path-part '{proxy+}' --query id --output text)
apigw put-method --rest-api-id "$API_ID" --resource-id "$GREEDY_ID" --http-method ANY \
    --authorization-type NONE --request-parameters method.request.path.proxy=true
apigw put-integration --rest-api-id "$API_ID" --resource-id "$GREEDY_ID" --http-method ANY \
    --type HTTP_PROXY --integration-http-method ANY --uri 'http://${stageVariables.backend}/{proxy}' \
    --request-parameters integration.request.path.proxy=method.request.path.proxy

apigw create-deployment --rest-api-id "$API_ID" --stage-name dev --variables "backend=127.0.0.1:$BACKEND_PORT"

curl -s "http://$API_ID.execute-api.localhost:$PORT/dev/hello"; echo          # {"message": "hello from portico"}
curl -s "http://$API_ID.execute-api.localhost:$PORT/dev/proxy/pets/42"        # {"id": 42, "name": "Rex"}

# Clean up
apigw delete-rest-api --rest-api-id "$API_ID"
kill "$BACKEND" && rm -rf "$PETS"
# readme:end
