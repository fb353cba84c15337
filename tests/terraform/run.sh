#!/usr/bin/env bash
# Applies main.tf against Portico with the real AWS provider, offline, and checks the round trip:
# apply, no drift on a second plan, both methods answer through execute-api; the same after
# an update (revision 2); destroy.
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

mkdir "$WORK/tf"
cp "$HERE/main.tf" "$HERE/rest_fidelity.tf" "$HERE/rest_misc.tf" "$HERE/rest_management.tf" "$HERE/canary.tf" \
    "$HERE/http_api.tf" "$HERE/openapi.tf" "$WORK/tf/"
cd "$WORK/tf"
VARS=(-var "endpoint=$PORTICO_ENDPOINT" -var "backend=127.0.0.1:$BACKEND_PORT")

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
