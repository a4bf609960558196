#!/usr/bin/env bash
# The offline-testing guide's example, run as a CI job would run it
# (`make offline-example`; .ci/run runs it too):
#
#  1. start iotauth-mock with this folder's accounts (mock-config.json);
#  2. point the provider at it through IOTAUTH_* environment variables;
#  3. inject a fault (the first Coiote login answers 503 with Retry-After)
#     to show the pipeline rides over it;
#  4. run `terraform test` (TERRAFORM=tofu for OpenTofu) on this folder;
#  5. check at the mock that the provider logged in once per platform per
#     walk, plus the one retry, and print what the mock saw.
#
# In your own pipeline, step 1 is
#   go run github.com/iotauth/terraform-provider-iotauth/cmd/iotauth-mock@vX.Y.Z \
#     -config mock-config.json -ready-file ready.json &
# (or the iotauth-mock binary from the release), and the provider comes from
# the registry through `terraform init`. Here both are built from this
# checkout, and a temporary CLI configuration with dev_overrides stands in
# for the registry.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tf="${TERRAFORM:-terraform}"
for tool in go "$tf" curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: the offline example needs '$tool' on PATH." >&2; exit 1; }
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/iotauth-offline.XXXXXX")"
mock_pid=""
cleanup() {
  if [[ -n "$mock_pid" ]] && kill -0 "$mock_pid" 2>/dev/null; then
    kill -TERM "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

(cd "$root" && go build -o "$tmp/bin/iotauth-mock" ./cmd/iotauth-mock && go build -o "$tmp/plugins/terraform-provider-iotauth" .)

# 1. The mock, with the accounts of mock-config.json, on free ports.
"$tmp/bin/iotauth-mock" -config "$here/mock-config.json" -ready-file "$tmp/ready.json" >"$tmp/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$tmp/ready.json" ]] && break
  kill -0 "$mock_pid" 2>/dev/null || { cat "$tmp/mock.log" >&2; exit 1; }
  sleep 0.1
done
[[ -s "$tmp/ready.json" ]] || { echo "error: iotauth-mock did not start within 10 s" >&2; exit 1; }
url() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$tmp/ready.json" | head -n1; }

# 2. The provider's settings, from the environment only.
export IOTAUTH_MONOGOTO_BASE_URL="$(url monogoto)"
export IOTAUTH_MONOGOTO_USERNAME="ci-fleet@example.com" IOTAUTH_MONOGOTO_PASSWORD="ci-monogoto-password"
export IOTAUTH_COIOTE_BASE_URL="$(url coiote)"
export IOTAUTH_COIOTE_USERNAME="ci-ops" IOTAUTH_COIOTE_PASSWORD="ci-coiote-password"
export IOTAUTH_BIENPORT_BASE_URL="$(url bienport)"
export IOTAUTH_BIENPORT_USERNAME="905550000001" IOTAUTH_BIENPORT_PASSWORD="ci-bienport-password"
export IOTAUTH_RETRY_MAX_WAIT="5s"
export TF_VAR_coiote_base_url="$IOTAUTH_COIOTE_BASE_URL"

# The registry stand-in: dev_overrides for this provider, nothing else.
cat >"$tmp/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "iotauth/iotauth"                       = "$tmp/plugins"
    "registry.opentofu.org/iotauth/iotauth" = "$tmp/plugins"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$tmp/cli.tfrc"

# 3. A fault: the first Coiote login answers 503 and asks to wait 1 s.
curl -fsS -X POST -d '{"endpoint": "login", "times": 1, "status": 503, "retry_after": "1"}' \
  "$IOTAUTH_COIOTE_BASE_URL/__mock/fault"

# 4. terraform test, on a copy of this folder.
cp -R "$here" "$tmp/work"
(cd "$tmp/work" && "$tf" test -no-color)

# 5. What the mock saw. A walk that uses a platform logs in to it once;
#    Coiote's first login was answered 503 and retried.
counts() { curl -fsS "$1/__mock/counts"; }
echo "Monogoto requests: $(counts "$IOTAUTH_MONOGOTO_BASE_URL")"
echo "Coiote requests:   $(counts "$IOTAUTH_COIOTE_BASE_URL")"
echo "BienPort requests: $(counts "${IOTAUTH_BIENPORT_BASE_URL%/api}")"
logins="$(counts "$IOTAUTH_COIOTE_BASE_URL" | sed -n 's/.*"login":\([0-9]*\).*/\1/p')"
if [[ -z "$logins" || "$logins" -lt 2 ]]; then
  echo "error: the mock saw ${logins:-no} Coiote logins; the faulted one should have been retried" >&2
  exit 1
fi
echo "offline example passed"
