# Shared by the scripts under tests/: sourced, not run.
# Needs PORTICO_ENDPOINT; sets PORT (execute-api answers at the same port) and the step/fail helpers.

: "${PORTICO_ENDPOINT:?set PORTICO_ENDPOINT, e.g. http://127.0.0.1:4566}"
PORT="${PORTICO_ENDPOINT##*:}"
PORT="${PORT%%/*}"
case "$PORT" in
    ''|*[!0-9]*) echo "PORTICO_ENDPOINT must name its port, e.g. http://127.0.0.1:4566" >&2; exit 1 ;;
esac

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
# What a laptop may lack skips a script (exit 77) with the reason; in CI (PORTICO_REQUIRE_ALL)
# it fails instead.
skip() {
    if [ -n "${PORTICO_REQUIRE_ALL:-}" ]; then fail "$* (PORTICO_REQUIRE_ALL is set)"; fi
    printf 'SKIPPED: %s\n' "$*"
    exit 77
}

# Terraform, offline: points TF_CLI_CONFIG_FILE (written to $1/terraformrc) at the provider
# mirror, the directory holding registry.terraform.io (TF_PLUGIN_MIRROR, or searched for).
terraform_offline() {
    local dir="$1" mirror found
    command -v terraform >/dev/null || skip "terraform is not on the PATH"
    mirror="${TF_PLUGIN_MIRROR:-}"
    if [ -z "$mirror" ]; then
        found="$(find / -maxdepth 4 -type d -name registry.terraform.io 2>/dev/null | head -1 || true)"
        [ -n "$found" ] || skip "no Terraform provider mirror found (a directory holding registry.terraform.io); set TF_PLUGIN_MIRROR, see the README"
        mirror="$(dirname "$found")"
    fi
    echo "mirror: $mirror"
    cat >"$dir/terraformrc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/*/*"]
  }
}
RC
    export TF_CLI_CONFIG_FILE="$dir/terraformrc"
    export TF_IN_AUTOMATION=1
    export CHECKPOINT_DISABLE=1
}

# `terraform_no_drift ARGS...`: a fresh plan (with ARGS) shows no changes.
terraform_no_drift() {
    local out rc
    out="$(mktemp)"
    set +e
    terraform plan -input=false -no-color -detailed-exitcode "$@" >"$out" 2>&1
    rc=$?
    set -e
    case "$rc" in
        0) echo "no changes"; rm -f "$out" ;;
        2) cat "$out"; rm -f "$out"; fail "the plan after apply is not empty: Portico reads back something other than was written" ;;
        *) cat "$out"; rm -f "$out"; fail "terraform plan failed (exit $rc)" ;;
    esac
}
