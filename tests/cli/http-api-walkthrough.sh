#!/usr/bin/env bash
# The README's "An HTTP API". The README shows the lines between the `readme` markers verbatim
# (a test keeps the two equal); tests/cli/check-http-api-walkthrough.sh runs this script against
# a Portico and checks its answers. Needs: aws, curl, python3 with PyPI's awslambdaric.
set -euo pipefail

# readme:start
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
PORT="${PORT:-4566}"
aws_() { aws --endpoint-url "http://127.0.0.1:$PORT" "$@"; }

# A function answering with what it got (payload format 2.0)
CODE="$(mktemp -d)" && cat > "$CODE/app.py" <<'PY'
def handler(event, context):
    return {"route": event["routeKey"], "id": (event.get("pathParameters") or {}).get("id")}
PY
(cd "$CODE" && python3 -m zipfile -c function.zip app.py)
FUNCTION_ARN=$(aws_ lambda create-function --function-name items --runtime python3.12 --handler app.handler \
    --role arn:aws:iam::000000000000:role/lambda --zip-file "fileb://$CODE/function.zip" --query FunctionArn --output text)

# Quick create: the $default route, its integration and an auto-deployed $default stage
API_ID=$(aws_ apigatewayv2 create-api --name items --protocol-type HTTP --target "$FUNCTION_ARN" --query ApiId --output text)
curl -s "http://$API_ID.execute-api.localhost:$PORT/anything"; echo    # {"route": "$default", "id": null}

# A route of its own: served at once, as the $default stage deploys every change
INTEGRATION_ID=$(aws_ apigatewayv2 get-integrations --api-id "$API_ID" --query 'Items[0].IntegrationId' --output text)
aws_ apigatewayv2 create-route --api-id "$API_ID" --route-key 'GET /items/{id}' --target "integrations/$INTEGRATION_ID"
curl -s "http://$API_ID.execute-api.localhost:$PORT/items/42"; echo    # {"route": "GET /items/{id}", "id": "42"}

# Clean up
aws_ apigatewayv2 delete-api --api-id "$API_ID"
aws_ lambda delete-function --function-name items
rm -rf "$CODE"
# readme:end
