#!/usr/bin/env bash
# Run the acceptance tests against OpenTofu instead of Terraform.
#
# OpenTofu is built from source, at a pinned version, from the Go module proxy
# (`go install` refuses the module because its go.mod has replace directives, so
# we download the module, copy it somewhere writable and `go build` it there).
# The binary is cached in .cache/tofu/<version>/tofu (git-ignored), so only the
# first run pays for the build (several minutes on 2 cores). scripts/terraform.sh
# does the same for other Terraform versions; both use scripts/lib/build-cli.sh.
#
# Environment:
#   TOFU_VERSION               OpenTofu version to build (default below; must be >= 1.11
#                              for ephemeral resources).
#   TOFU_BUILD_ONLY=1          build/cache the binary, print its path, run no tests.
#   TF_ACC_PROVIDER_NAMESPACE  provider namespace the test harness registers (default iotauth,
#                              as in `make test`; set it empty for the harness default).
#   TESTARGS                   extra arguments for `go test`.
set -euo pipefail

TOFU_VERSION="${TOFU_VERSION:-v1.12.6}"
TOFU_MODULE="github.com/opentofu/opentofu"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tofu="${root}/.cache/tofu/${TOFU_VERSION}/tofu"

LOG_PREFIX=tofu.sh
# shellcheck source=scripts/lib/build-cli.sh
source "${root}/scripts/lib/build-cli.sh"

build_tofu() {
  local start
  new_work_dir
  copy_module_source "${TOFU_MODULE}" "${TOFU_VERSION}" "${work_dir}/src"

  log "building tofu ${TOFU_VERSION} (this takes several minutes the first time)"
  start="$(date +%s)"
  (cd "${work_dir}/src" && GOWORK=off GOFLAGS='' CGO_ENABLED=0 \
    go build -trimpath \
      -ldflags="-s -w -X github.com/opentofu/opentofu/version.dev=no" \
      -o "${work_dir}/tofu" ./cmd/tofu)
  install_built_binary "${work_dir}/tofu" "${tofu}"
  log "built ${tofu} in $(($(date +%s) - start))s"
}

ensure_cli "${tofu}" "${TOFU_VERSION}" build_tofu

if [[ "${TOFU_BUILD_ONLY:-}" == "1" ]]; then
  printf '%s\n' "${tofu}"
  exit 0
fi

log "running acceptance tests with OpenTofu ${TOFU_VERSION}"
# OpenTofu resolves provider sources against registry.opentofu.org, so the
# test harness must register the provider (reattach) under that host.
run_acceptance_tests "${tofu}" TF_ACC_PROVIDER_HOST=registry.opentofu.org
