#!/usr/bin/env bash
# The README's "A Python function behind a REST API". The README shows the lines between the
# `readme` markers verbatim (a test keeps the two equal); tests/cli/check-lambda-walkthrough.sh
# runs this script against a Portico and checks its answers. Needs: aws, curl, python3 with
# PyPI's awslambdaric.
set -euo pipefail

# readme:start
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
PORT="${PORT:-4566}"
aws_() { aws --endpoint-url "http://127.0.0.1:$PORT" "$@"; }

# The function: plain Python, run by AWS's runtime client (python3 -m pip install awslambdaric)
CODE="$(mktemp -d)" && cat > "$CODE/app.py" <<'PY'
import json
def handler(event, context):
    name = (event["queryStringParameters"] or {}).get("name", "world")
    return {"statusCode": 200, "body": json.dumps({"hello": name, "path": event["path"]})}
PY
(cd "$CODE" && python3 -m zipfile -c function.zip app.py)
FUNCTION_ARN=$(aws_ lambda create-function --function-name hello --runtime python3.12 --handler app.handler \
    --role arn:aws:iam::000000000000:role/lambda --zip-file "fileb://$CODE/function.zip" --query FunctionArn --output text)

# ANY /{proxy+} sent to it by an AWS_PROXY integration
API_ID=$(aws_ apigateway create-rest-api --name hello-lambda --query id --output text)
ROOT_ID=$(aws_ apigateway get-resources --rest-api-id "$API_ID" --query "items[?path=='/'].id" --output text)
PROXY_ID=$(aws_ apigateway create-resource --rest-api-id "$API_ID" --parent-id "$ROOT_ID" --path-part '{proxy+}' --query id --output text)
aws_ apigateway put-method --rest-api-id "$API_ID" --resource-id "$PROXY_ID" --http-method ANY --authorization-type NONE
aws_ apigateway put-integration --rest-api-id "$API_ID" --resource-id "$PROXY_ID" --http-method ANY \
    --type AWS_PROXY --integration-http-method POST \
    --uri "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/$FUNCTION_ARN/invocations"
aws_ apigateway create-deployment --rest-api-id "$API_ID" --stage-name dev

curl -s "http://$API_ID.execute-api.localhost:$PORT/dev/greet?name=portico"; echo   # {"hello": "portico", "path": "/greet"}

# Clean up
aws_ apigateway delete-rest-api --rest-api-id "$API_ID"
aws_ lambda delete-function --function-name hello
rm -rf "$CODE"
# readme:end
