#!/usr/bin/env bash
# Applies lambda/main.tf against Portico with the real AWS provider, offline: a Python function
# from a zip, its permission for API Gateway, and a REST API calling it through AWS_PROXY.
# Checks: apply, no drift on a second plan, the method answers from the handler, the TOKEN,
# REQUEST and COGNITO_USER_POOLS authorizers guard theirs; the same after revision 2 (new code
# and environment); destroy.
#
#   PORTICO_ENDPOINT=http://127.0.0.1:4566 tests/terraform/lambda.sh
set -euo pipefail

unset TF_LOG
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../support/common.sh
source "$HERE/../support/common.sh"
command -v python3 >/dev/null || skip "python3 is not on the PATH"
python3 -c 'import awslambdaric' 2>/dev/null || skip "the Python runtime interface client (awslambdaric) is not installed"

WORK="$(mktemp -d)"
APPLIED=""
cleanup() {
    # After a failure, destroy whatever the state records, so Portico is left as found.
    if [ -n "$APPLIED" ]; then
        (cd "$WORK/tf" && terraform destroy -input=false -no-color -auto-approve "${VARS[@]}" >/dev/null 2>&1) ||
            echo "cleanup: terraform destroy failed; resources may remain in Portico" >&2
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

step "Provider mirror and CLI configuration"
terraform_offline "$WORK"

mkdir "$WORK/tf"
cp "$HERE/lambda/main.tf" "$WORK/tf/"
cd "$WORK/tf"
VARS=(-var "endpoint=$PORTICO_ENDPOINT" -var "zip=$WORK/fn.zip")

# The handler of revision $1, zipped to $WORK/fn.zip.
make_zip() {
    mkdir -p "$WORK/src"
    cat >"$WORK/src/app.py" <<PY
import json
import os


def handler(event, context):
    body = {"code": $1, "revision": os.environ.get("REVISION"), "path": event["path"]}
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
PY
    cat >"$WORK/src/auth.py" <<'PY'
def policy(effect, arn, principal):
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": arn}],
        },
    }


def token(event, context):
    effect = "Allow" if event["authorizationToken"].startswith("allow-") else "Deny"
    return policy(effect, event["methodArn"], "token-user")


def request(event, context):
    user = event["headers"].get("X-User") or event["headers"].get("x-user")
    tenant = (event["queryStringParameters"] or {}).get("tenant")
    if user == "anonymous":
        raise Exception("Unauthorized")
    return policy("Allow" if tenant == "acme" else "Deny", event["methodArn"], user)
PY
    (cd "$WORK/src" && python3 -c 'import zipfile; z = zipfile.ZipFile("../fn.zip", "w"); z.write("app.py"); z.write("auth.py"); z.close()')
}

step "terraform init"
terraform init -input=false -no-color

apply_revision() {
    local rev="$1" api_id stage base url got want
    make_zip "$rev"
    step "terraform apply (revision $rev)"
    APPLIED=1
    terraform apply -input=false -no-color -auto-approve "${VARS[@]}" -var "revision=$rev"

    step "terraform plan (revision $rev): no drift"
    terraform_no_drift "${VARS[@]}" -var "revision=$rev"

    [ "$(terraform output -raw version)" = "$rev" ] || fail "revision $rev should have published version $rev"

    step "GET /hello answers from the function (revision $rev)"
    api_id="$(terraform output -raw api_id)"
    stage="$(terraform output -raw stage_name)"
    base="http://$api_id.execute-api.localhost:$PORT/$stage"
    url="$base/hello"
    got="$(curl -sS "$url")" || fail "curl $url failed"
    want="{\"code\": $rev, \"revision\": \"$rev\", \"path\": \"/hello\"}"
    echo "GET $url -> $got"
    [ "$got" = "$want" ] || fail "GET $url: expected '$want', got '$got'"

    step "The authorizers guard their methods (revision $rev)"
    expect_status 200 "$base/token" -H "Authorization: allow-me"
    expect_status 403 "$base/token" -H "Authorization: deny-me"
    expect_status 401 "$base/token" -H "Authorization: bogus"
    expect_status 401 "$base/token"
    expect_status 200 "$base/request?tenant=acme" -H "X-User: ann"
    expect_status 403 "$base/request?tenant=other" -H "X-User: ann"
    expect_status 401 "$base/request?tenant=acme" -H "X-User: anonymous"
    expect_status 401 "$base/request?tenant=acme"
    expect_status 401 "$base/users"
    expect_status 401 "$base/users" -H "Authorization: not-a-jwt"
}

# expect_status CODE URL [curl args...]: the URL answers CODE.
expect_status() {
    local want="$1" url="$2" got
    shift 2
    got="$(curl -sS -o /dev/null -w '%{http_code}' "$@" "$url")" || fail "curl $url failed"
    echo "GET $url $* -> $got"
    [ "$got" = "$want" ] || fail "GET $url $*: expected $want, got $got"
}

apply_revision 1
apply_revision 2

step "terraform destroy"
terraform destroy -input=false -no-color -auto-approve "${VARS[@]}" -var revision=2
APPLIED=""

step "Terraform Lambda round trip passed"
