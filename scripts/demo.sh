#!/usr/bin/env bash
# `make demo`: a real `terraform apply` of examples/demo against the built-in
# mock platforms, from a fresh clone with only Go and Terraform installed.
#
#  1. builds the provider and the mock server into a temporary directory;
#  2. starts the mock platforms on free 127.0.0.1 ports;
#  3. writes a temporary CLI configuration with dev_overrides for
#     iotauth/iotauth (the Terraform registry is not needed) and points
#     TF_CLI_CONFIG_FILE at it;
#  4. runs `terraform init` and `terraform apply` on a copy of examples/demo;
#  5. prints the non-secret results, then stops the mock and cleans up.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

for tool in go terraform curl; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: make demo needs '$tool' on PATH." >&2
    exit 1
  fi
done

tmp="$(mktemp -d "${TMPDIR:-/tmp}/iotauth-demo.XXXXXX")"
mock_pid=""
cleanup() {
  if [[ -n "$mock_pid" ]] && kill -0 "$mock_pid" 2>/dev/null; then
    kill -TERM "$mock_pid" 2>/dev/null || true
    wait "$mock_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n==> %s\n' "$*"; }

say "Building the provider and the mock platforms"
go build -tags grpcnotrace -o "$tmp/bin/terraform-provider-iotauth" .
go build -o "$tmp/mockbin/iotauth-mock" ./cmd/iotauth-mock

say "Starting the mock platforms on 127.0.0.1"
"$tmp/mockbin/iotauth-mock" -ready-file "$tmp/ready.json" >"$tmp/mock.log" 2>&1 &
mock_pid=$!
for _ in $(seq 1 100); do
  [[ -s "$tmp/ready.json" ]] && break
  if ! kill -0 "$mock_pid" 2>/dev/null; then
    echo "error: the mock platforms did not start:" >&2
    cat "$tmp/mock.log" >&2
    exit 1
  fi
  sleep 0.1
done
if [[ ! -s "$tmp/ready.json" ]]; then
  echo "error: the mock platforms did not report ready within 10 s." >&2
  exit 1
fi
url() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$tmp/ready.json" | head -n1; }
monogoto_url="$(url monogoto)"
coiote_url="$(url coiote)"
bienport_url="$(url bienport)"
thingsboard_url="$(url thingsboard)"
printf '    Monogoto    %s\n    Coiote      %s\n    BienPort    %s\n    ThingsBoard %s\n' \
  "$monogoto_url" "$coiote_url" "$bienport_url" "$thingsboard_url"

say "Writing a temporary CLI configuration with dev_overrides"
# dev_overrides makes plan/apply use the binary just built. `terraform init`
# still asks the registry for the provider's versions, which fails offline,
# so the same binary is also offered through a local filesystem mirror.
os_arch="$(go env GOOS)_$(go env GOARCH)"
mirror="$tmp/mirror/registry.terraform.io/iotauth/iotauth/0.1.0/$os_arch"
mkdir -p "$mirror"
cp "$tmp/bin/terraform-provider-iotauth" "$mirror/terraform-provider-iotauth_v0.1.0"
cat >"$tmp/terraformrc" <<CFG
provider_installation {
  dev_overrides {
    "iotauth/iotauth" = "$tmp/bin"
  }
  filesystem_mirror {
    path    = "$tmp/mirror"
    include = ["iotauth/iotauth"]
  }
  direct {
    exclude = ["iotauth/iotauth"]
  }
}
CFG
export TF_CLI_CONFIG_FILE="$tmp/terraformrc"
export TF_IN_AUTOMATION=1
export CHECKPOINT_DISABLE=1
unset TF_LOG TF_LOG_PATH

# The mock's seeded accounts (see internal/clients/mock); in real use these
# come from your secret store.
export IOTAUTH_MONOGOTO_USERNAME="demo@monogoto.io"
export IOTAUTH_MONOGOTO_PASSWORD="mockpw-monogoto-demo-7Qx2"
export IOTAUTH_COIOTE_USERNAME="ops@acme.example"
export IOTAUTH_COIOTE_PASSWORD="mockpw-coiote-ops-8Hn4"
export IOTAUTH_BIENPORT_USERNAME="bienport.demo"
export IOTAUTH_BIENPORT_PASSWORD="mockpw-bienport-demo-6Jr3"
export IOTAUTH_THINGSBOARD_USERNAME="tenant@thingsboard.org"
export IOTAUTH_THINGSBOARD_PASSWORD="mockpw-thingsboard-tenant-5Wm1"

work="$tmp/work"
mkdir -p "$work" "$tmp/out"
cp examples/demo/main.tf "$work/"
cat >"$work/terraform.tfvars" <<VARS
base_urls = {
  monogoto = "$monogoto_url"
  coiote   = "$coiote_url"
  bienport = "$bienport_url"
  thingsboard = "$thingsboard_url"
}
out_dir = "$tmp/out"
VARS

say "terraform init"
# With dev_overrides Terraform warns that init is unnecessary for the
# overridden provider; init still prepares the working directory.
terraform -chdir="$work" init -input=false -no-color >"$tmp/init.log" 2>&1 || {
  cat "$tmp/init.log" >&2
  exit 1
}
echo "    done"

say "terraform apply"
status=0
terraform -chdir="$work" apply -input=false -auto-approve -no-color >"$tmp/apply.log" 2>&1 || status=$?
# Drop the dev_overrides warning (expected here) and the outputs (printed
# below); keep everything else.
awk '
  /^[│╷╵]/ { next }
  /^Warning: Provider development overrides are in effect/ { skip = 1 }
  skip && /^releases\.$/ { skip = 0; next }
  skip { next }
  /^Outputs:$/ { exit }
  { print }
' "$tmp/apply.log"
if [[ "$status" -ne 0 ]]; then
  echo "error: terraform apply failed (exit $status); see the messages above." >&2
  exit "$status"
fi

say "Tokens used by the provisioners (status of each authorized call, token expiry)"
for p in monogoto coiote bienport thingsboard; do
  printf '    %-11s HTTP %s, token expires %s\n' "$p" "$(cat "$tmp/out/$p.status")" "$(cat "$tmp/out/$p.expires")"
done

say "Checking that no token or password reached the output or the state"
# Every mock token starts with mockiot_ or with the mock's fixed JWT header.
jwt_header="eyJhbGciOiJIUzUxMiIsImtpZCI6ImlvdGF1dGgtbW9jayIsInR5cCI6IkpXVCJ9"
if grep -l -e 'mockiot_' -e "$jwt_header" -e "$IOTAUTH_MONOGOTO_PASSWORD" -e "$IOTAUTH_COIOTE_PASSWORD" \
  -e "$IOTAUTH_BIENPORT_PASSWORD" -e "$IOTAUTH_THINGSBOARD_PASSWORD" "$tmp/apply.log" "$work/terraform.tfstate"; then
  echo "error: a secret appeared in the file(s) above." >&2
  exit 1
fi
echo "    none in the apply output or terraform.tfstate"

say "Non-secret results"
terraform -chdir="$work" output -no-color

say "Logins seen by the mock platforms"
for p in monogoto coiote bienport thingsboard; do
  base="$(url "$p")"
  printf '    %-11s %s\n' "$p" "$(curl -fsS "${base%/api}/__mock/counts" 2>/dev/null || echo '(counts unavailable)')"
done

say "Demo finished: the mock platforms stop and the temporary files go."
