#!/usr/bin/env bash
# The Lambda API through the AWS CLI: functions from a zip and from a local folder, versions,
# aliases, permissions, tags, Invoke (Python, Node and a provided bootstrap, run as local
# processes), and Lambda's errors.
#
#   PORTICO_ENDPOINT=http://127.0.0.1:4566 tests/cli/lambda.sh
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../support/common.sh
source "$HERE/../support/common.sh"
for tool in aws jq python3; do
    command -v "$tool" >/dev/null || skip "$tool is not on the PATH"
done
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""
lambda() { aws --endpoint-url "$PORTICO_ENDPOINT" lambda "$@"; }
# `expect_error CODE command...`: the command fails with that error code.
expect_error() {
    local code="$1" out
    shift
    if out="$("$@" 2>&1)"; then fail "expected $code from: $*"; fi
    grep -q "($code)" <<<"$out" || fail "expected $code from: $*; got: $out"
}

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cat >"$WORK/app.py" <<'PY'
def handler(event, context):
    return {"statusCode": 200, "body": "hello"}
PY
(cd "$WORK" && python3 -c 'import zipfile; z = zipfile.ZipFile("fn.zip", "w"); z.write("app.py"); z.close()')
ROLE=arn:aws:iam::000000000000:role/lambda-role
NAME="fn-$RANDOM"
ARN="arn:aws:lambda:us-east-1:000000000000:function:$NAME"

step "CreateFunction from a zip reports Active at once, with Lambda's defaults"
created="$(lambda create-function --function-name "$NAME" --runtime python3.12 --handler app.handler \
    --role "$ROLE" --zip-file "fileb://$WORK/fn.zip")"
jq -e --arg arn "$ARN" '.FunctionArn == $arn and .State == "Active" and .LastUpdateStatus == "Successful"
    and .Version == "$LATEST" and .Timeout == 3 and .MemorySize == 128 and .PackageType == "Zip"
    and .Architectures == ["x86_64"] and .EphemeralStorage.Size == 512 and .TracingConfig.Mode == "PassThrough"
    and .LoggingConfig.LogGroup == "/aws/lambda/'"$NAME"'" and (.CodeSha256 | length) == 44
    and (has("Environment") | not)' <<<"$created" >/dev/null \
    || fail "CreateFunction answered $created"
expect_error ResourceConflictException lambda create-function --function-name "$NAME" --runtime python3.12 \
    --handler app.handler --role "$ROLE" --zip-file "fileb://$WORK/fn.zip"

step "GetFunction, GetFunctionConfiguration and ListFunctions by name and by ARN"
[ "$(lambda get-function --function-name "$ARN" --query Configuration.FunctionName --output text)" = "$NAME" ] \
    || fail "GetFunction by ARN"
[ "$(lambda get-function-configuration --function-name "$NAME" --query Handler --output text)" = app.handler ] \
    || fail "GetFunctionConfiguration"
lambda list-functions --query 'Functions[].FunctionName' --output text | grep -qw "$NAME" || fail "ListFunctions"
expect_error ResourceNotFoundException lambda get-function --function-name "$NAME-missing"
expect_error InvalidParameterValueException lambda get-function --function-name "$NAME:1" --qualifier 2

step "UpdateFunctionConfiguration, PublishVersion (twice: same version), aliases"
lambda update-function-configuration --function-name "$NAME" --timeout 10 \
    --environment 'Variables={GREETING=hi}' >/dev/null
[ "$(lambda get-function-configuration --function-name "$NAME" --query Environment.Variables.GREETING --output text)" = hi ] \
    || fail "environment not updated"
[ "$(lambda publish-version --function-name "$NAME" --query Version --output text)" = 1 ] || fail "first version"
[ "$(lambda publish-version --function-name "$NAME" --query Version --output text)" = 1 ] || fail "unchanged function, new version"
[ "$(lambda list-versions-by-function --function-name "$NAME" --query 'Versions[].Version' --output text)" = "\$LATEST	1" ] \
    || fail "ListVersionsByFunction"
lambda create-alias --function-name "$NAME" --name live --function-version 1 >/dev/null
[ "$(lambda get-alias --function-name "$NAME" --name live --query FunctionVersion --output text)" = 1 ] || fail "GetAlias"
[ "$(lambda get-function --function-name "$NAME:live" --query Configuration.FunctionArn --output text)" = "$ARN:1" ] \
    || fail "an alias selects its version"
expect_error ResourceConflictException lambda create-alias --function-name "$NAME" --name live --function-version 1
expect_error ValidationException lambda create-alias --function-name "$NAME" --name 12 --function-version 1
expect_error ResourceNotFoundException lambda get-alias --function-name "$NAME" --name nope
[ "$(lambda list-aliases --function-name "$NAME" --query 'length(Aliases)')" = 1 ] || fail "ListAliases"
lambda delete-alias --function-name "$NAME" --name live

step "AddPermission, GetPolicy, RemovePermission"
SOURCE="arn:aws:execute-api:us-east-1:000000000000:abcdef1234/*/GET/hello"
statement="$(lambda add-permission --function-name "$NAME" --statement-id apigw --action lambda:InvokeFunction \
    --principal apigateway.amazonaws.com --source-arn "$SOURCE" --query Statement --output text)"
jq -e --arg arn "$ARN" --arg src "$SOURCE" '.Sid == "apigw" and .Effect == "Allow" and .Resource == $arn
    and .Principal.Service == "apigateway.amazonaws.com" and .Condition.ArnLike."AWS:SourceArn" == $src' \
    <<<"$statement" >/dev/null || fail "AddPermission answered $statement"
expect_error ResourceConflictException lambda add-permission --function-name "$NAME" --statement-id apigw \
    --action lambda:InvokeFunction --principal apigateway.amazonaws.com
lambda get-policy --function-name "$NAME" --query Policy --output text | jq -e '.Statement | length == 1' >/dev/null \
    || fail "GetPolicy"
lambda remove-permission --function-name "$NAME" --statement-id apigw
expect_error ResourceNotFoundException lambda get-policy --function-name "$NAME"

step "Tags by ARN"
lambda tag-resource --resource "$ARN" --tags team=api,env=test
[ "$(lambda list-tags --resource "$ARN" --query Tags.team --output text)" = api ] || fail "ListTags"
lambda untag-resource --resource "$ARN" --tag-keys env
[ "$(lambda list-tags --resource "$ARN" --query 'length(keys(Tags))')" = 1 ] || fail "UntagResource"

step "Reserved concurrency, code signing and runtime management configurations"
[ "$(lambda get-function-concurrency --function-name "$NAME" --query ReservedConcurrentExecutions --output text)" = None ] \
    || fail "no reservation yet"
[ "$(lambda put-function-concurrency --function-name "$NAME" --reserved-concurrent-executions 5 \
    --query ReservedConcurrentExecutions)" = 5 ] || fail "PutFunctionConcurrency"
[ "$(lambda get-function --function-name "$NAME" --query Concurrency.ReservedConcurrentExecutions)" = 5 ] \
    || fail "GetFunction shows the reservation"
expect_error InvalidParameterValueException lambda put-function-concurrency --function-name "$NAME:1" \
    --reserved-concurrent-executions 1
lambda delete-function-concurrency --function-name "$NAME"
[ "$(lambda get-function --function-name "$NAME" --query 'Concurrency' --output text)" = None ] || fail "reservation deleted"
jq -e --arg name "$NAME" '.FunctionName == $name and .CodeSigningConfigArn == ""' \
    <<<"$(lambda get-function-code-signing-config --function-name "$NAME")" >/dev/null || fail "GetFunctionCodeSigningConfig"
jq -e --arg arn "$ARN" '.UpdateRuntimeOn == "Auto" and .FunctionArn == $arn' \
    <<<"$(lambda get-runtime-management-config --function-name "$NAME")" >/dev/null || fail "GetRuntimeManagementConfig"
expect_error ResourceNotFoundException lambda get-function-concurrency --function-name "$NAME-missing"

step "A local folder as code (S3Bucket hot-reload)"
lambda create-function --function-name "$NAME-hot" --runtime python3.12 --handler app.handler --role "$ROLE" \
    --code "S3Bucket=hot-reload,S3Key=$WORK" --query CodeSha256 --output text | grep -qx hot-reloading-hash-not-available \
    || fail "hot-reload function"
expect_error InvalidParameterValueException lambda create-function --function-name "$NAME-s3" --runtime python3.12 \
    --handler app.handler --role "$ROLE" --code "S3Bucket=some-bucket,S3Key=code.zip"

step "Invoke: a result, a function error, an Event and a DryRun"
cat >"$WORK/calc.py" <<'PY'
def handler(event, context):
    print("calc got", sorted(event))
    if "fail" in event:
        raise ValueError("asked to fail")
    return {"sum": event["a"] + event["b"], "function": context.function_name}
PY
(cd "$WORK" && python3 -c 'import zipfile; z = zipfile.ZipFile("calc.zip", "w"); z.write("calc.py"); z.close()')
lambda create-function --function-name "$NAME-calc" --runtime python3.12 --handler calc.handler --role "$ROLE" \
    --zip-file "fileb://$WORK/calc.zip" >/dev/null
meta="$(lambda invoke --function-name "$NAME-calc" --payload '{"a": 2, "b": 3}' "$WORK/out.json")"
jq -e '.StatusCode == 200 and .ExecutedVersion == "$LATEST" and (has("FunctionError") | not)' <<<"$meta" >/dev/null \
    || fail "invoke answered $meta"
jq -e --arg fn "$NAME-calc" '.sum == 5 and .function == $fn' "$WORK/out.json" >/dev/null || fail "payload $(cat "$WORK/out.json")"
meta="$(lambda invoke --function-name "$NAME-calc" --payload '{"fail": true}' "$WORK/out.json")"
jq -e '.FunctionError == "Unhandled"' <<<"$meta" >/dev/null || fail "function error answered $meta"
jq -e '.errorType == "ValueError" and .errorMessage == "asked to fail" and (.stackTrace | length) > 0' "$WORK/out.json" >/dev/null \
    || fail "error payload $(cat "$WORK/out.json")"
[ "$(lambda invoke --function-name "$NAME-calc" --invocation-type Event --payload '{"a": 1, "b": 1}' "$WORK/out.json" \
    --query StatusCode)" = 202 ] || fail "Event invocation"
[ "$(lambda invoke --function-name "$NAME-calc" --invocation-type DryRun "$WORK/out.json" --query StatusCode)" = 204 ] \
    || fail "DryRun invocation"
expect_error InvalidRequestContentException lambda invoke --function-name "$NAME-calc" --payload 'not json' "$WORK/out.json"

step "Invoke with --log-type Tail: Lambda's START, END and REPORT lines around what the handler printed"
log="$(lambda invoke --function-name "$NAME-calc" --payload '{"a": 1, "b": 2}' --log-type Tail \
    --query LogResult --output text "$WORK/out.json" | base64 --decode)"
grep -qx 'START RequestId: [0-9a-f-]* Version: \$LATEST' <<<"$log" || fail "no START line in: $log"
grep -qx "calc got \['a', 'b'\]" <<<"$log" || fail "the handler's line is missing from: $log"
grep -qx 'END RequestId: [0-9a-f-]*' <<<"$log" || fail "no END line in: $log"
T=$'\t'
grep -q "^REPORT RequestId: [0-9a-f-]*${T}Duration: [0-9.]* ms${T}Billed Duration: [0-9]* ms${T}Memory Size: 128 MB${T}Max Memory Used: [0-9]* MB${T}" \
    <<<"$log" || fail "no REPORT line in: $log"
[ "$(lambda invoke --function-name "$NAME-calc" --payload '{"a": 1, "b": 2}' --query LogResult --output text "$WORK/out.json")" = None ] \
    || fail "a LogResult without --log-type Tail"

step "A Node handler and a provided bootstrap answer one call each"
cat >"$WORK/index.mjs" <<'JS'
export const handler = async (event) => ({ runtime: "node", got: event.n });
JS
(cd "$WORK" && python3 -c 'import zipfile; z = zipfile.ZipFile("node.zip", "w"); z.write("index.mjs"); z.close()')
lambda create-function --function-name "$NAME-node" --runtime nodejs20.x --handler index.handler --role "$ROLE" \
    --zip-file "fileb://$WORK/node.zip" >/dev/null
lambda invoke --function-name "$NAME-node" --payload '{"n": 7}' "$WORK/out.json" >/dev/null
jq -e '.runtime == "node" and .got == 7' "$WORK/out.json" >/dev/null || fail "node answered $(cat "$WORK/out.json")"
cat >"$WORK/bootstrap" <<'SH'
#!/bin/bash
# A provided runtime: the Runtime API loop in shell.
set -euo pipefail
api="http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation"
while true; do
    headers="$(mktemp)"
    event="$(curl -sS -D "$headers" "$api/next")"
    id="$(grep -i '^Lambda-Runtime-Aws-Request-Id:' "$headers" | cut -d' ' -f2 | tr -d '\r')"
    curl -sS -X POST "$api/$id/response" -d "{\"runtime\": \"provided\", \"event\": $event}" >/dev/null
done
SH
chmod +x "$WORK/bootstrap"
(cd "$WORK" && python3 -c '
import zipfile
z = zipfile.ZipFile("provided.zip", "w")
info = zipfile.ZipInfo("bootstrap")
info.external_attr = 0o755 << 16
z.writestr(info, open("bootstrap").read())
z.close()')
lambda create-function --function-name "$NAME-sh" --runtime provided.al2023 --handler bootstrap --role "$ROLE" \
    --zip-file "fileb://$WORK/provided.zip" >/dev/null
lambda invoke --function-name "$NAME-sh" --payload '{"n": 8}' "$WORK/out.json" >/dev/null
jq -e '.runtime == "provided" and .event.n == 8' "$WORK/out.json" >/dev/null || fail "bootstrap answered $(cat "$WORK/out.json")"
for fn in calc node sh; do lambda delete-function --function-name "$NAME-$fn" >/dev/null; done

step "DeleteFunction takes versions and aliases with it"
lambda delete-function --function-name "$NAME-hot" >/dev/null
lambda delete-function --function-name "$NAME" >/dev/null
expect_error ResourceNotFoundException lambda get-function --function-name "$NAME"
expect_error ResourceNotFoundException lambda delete-function --function-name "$NAME"
step "Lambda API passed"
