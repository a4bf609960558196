#!/usr/bin/env bash
# Run the acceptance tests against OpenTofu instead of Terraform.
#
# OpenTofu is built from source, at a pinned version, from the Go module proxy
# (`go install` refuses the module because its go.mod has replace directives, so
# we download the module, copy it somewhere writable and `go build` it there).
# The binary is cached in .cache/tofu/<version>/tofu (git-ignored), so only the
# first run pays for the build (several minutes on 2 cores).
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
cache_dir="${root}/.cache/tofu/${TOFU_VERSION}"
tofu="${cache_dir}/tofu"

log() { printf '==> tofu.sh: %s\n' "$*" >&2; }

# Temporary files and directories, removed on exit.
tmp_paths=()
cleanup() { if ((${#tmp_paths[@]})); then rm -rf "${tmp_paths[@]}"; fi; }
trap cleanup EXIT

# OpenTofu prints "Unable to open CLI configuration file" on stdout when
# TF_CLI_CONFIG_FILE names a missing file, and that breaks terraform-exec's
# parsing of `tofu version`. In that case use an empty configuration instead.
if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -f "${TF_CLI_CONFIG_FILE}" ]]; then
  log "TF_CLI_CONFIG_FILE (${TF_CLI_CONFIG_FILE}) does not exist; using an empty CLI configuration"
  empty_config="$(mktemp "${TMPDIR:-/tmp}/tofu-cli-config.XXXXXX")"
  tmp_paths+=("${empty_config}")
  export TF_CLI_CONFIG_FILE="${empty_config}"
fi

build_tofu() {
  local work json src start
  work="$(mktemp -d "${TMPDIR:-/tmp}/tofu-build.XXXXXX")"
  tmp_paths+=("${work}")

  log "downloading ${TOFU_MODULE}@${TOFU_VERSION} from the Go module proxy"
  # Run outside any module (and any workspace) so nothing touches our go.mod/go.sum.
  json="$(cd "${work}" && GOWORK=off GOFLAGS= go mod download -json "${TOFU_MODULE}@${TOFU_VERSION}")"
  if grep -q '"Error"' <<<"${json}"; then
    printf '%s\n' "${json}" >&2
    log "could not download ${TOFU_MODULE}@${TOFU_VERSION}"
    return 1
  fi
  src="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"${json}")"
  if [[ -z "${src}" || ! -d "${src}" ]]; then
    printf '%s\n' "${json}" >&2
    log "no module directory in 'go mod download' output"
    return 1
  fi

  # The module cache is read-only: build from a writable copy.
  cp -R "${src}" "${work}/src"
  chmod -R u+w "${work}/src"

  log "building tofu ${TOFU_VERSION} (this takes several minutes the first time)"
  start="$(date +%s)"
  mkdir -p "${cache_dir}"
  (cd "${work}/src" && GOWORK=off GOFLAGS= CGO_ENABLED=0 \
    go build -trimpath \
      -ldflags="-s -w -X github.com/opentofu/opentofu/version.dev=no" \
      -o "${work}/tofu" ./cmd/tofu)
  # Move into place only once the build succeeded, so an interrupted build
  # never leaves a half-written binary in the cache.
  mv -f "${work}/tofu" "${tofu}"
  log "built ${tofu} in $(($(date +%s) - start))s"
}

# The version the binary reports, e.g. "1.12.6" (empty if it cannot run).
tofu_reported_version() {
  "${tofu}" version -json 2>/dev/null |
    sed -n 's/.*"terraform_version":[[:space:]]*"\([^"]*\)".*/\1/p'
}

if [[ -x "${tofu}" && "$(tofu_reported_version)" == "${TOFU_VERSION#v}" ]]; then
  log "using cached ${tofu}"
else
  build_tofu
  got="$(tofu_reported_version)"
  if [[ "${got}" != "${TOFU_VERSION#v}" ]]; then
    log "built binary reports version '${got}', expected '${TOFU_VERSION#v}'"
    exit 1
  fi
fi

"${tofu}" version >&2

if [[ "${TOFU_BUILD_ONLY:-}" == "1" ]]; then
  printf '%s\n' "${tofu}"
  exit 0
fi

cd "${root}"
log "running acceptance tests with OpenTofu ${TOFU_VERSION}"
# OpenTofu resolves provider sources against registry.opentofu.org, so the
# test harness must register the provider (reattach) under that host.
# shellcheck disable=SC2086 # TESTARGS is intentionally word-split
TF_ACC=1 \
  TF_ACC_TERRAFORM_PATH="${tofu}" \
  TF_ACC_PROVIDER_HOST=registry.opentofu.org \
  TF_ACC_PROVIDER_NAMESPACE="${TF_ACC_PROVIDER_NAMESPACE-iotauth}" \
  go test -count=1 ${TESTARGS:-} ./internal/provider/...
