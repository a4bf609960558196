# shellcheck shell=bash
# Helpers shared by scripts/tofu.sh and scripts/terraform.sh, which build a
# Terraform-compatible CLI from its Go module source (fetched through the Go
# module proxy), cache the binary under .cache/ and run the acceptance tests
# with it. Source this file; it defines functions and a cleanup trap, and
# expects the caller to `set -euo pipefail` and to define LOG_PREFIX and root
# (the repository's root).

# log MESSAGE...: progress on stderr, prefixed with the calling script's name.
log() { printf '==> %s: %s\n' "${LOG_PREFIX:-build-cli}" "$*" >&2; }

# Temporary files and directories, removed on exit.
tmp_paths=()
cleanup_tmp_paths() { if ((${#tmp_paths[@]})); then rm -rf "${tmp_paths[@]}"; fi; }
trap cleanup_tmp_paths EXIT

# use_empty_cli_config_if_missing: OpenTofu prints "Unable to open CLI
# configuration file" on stdout when TF_CLI_CONFIG_FILE names a missing file,
# and that breaks terraform-exec's parsing of `tofu version`. (Terraform prints
# it on stderr, which is harmless, but an empty configuration is just as good.)
# In that case point TF_CLI_CONFIG_FILE at an empty temporary file instead.
use_empty_cli_config_if_missing() {
  local empty_config
  if [[ -n "${TF_CLI_CONFIG_FILE:-}" && ! -f "${TF_CLI_CONFIG_FILE}" ]]; then
    log "TF_CLI_CONFIG_FILE (${TF_CLI_CONFIG_FILE}) does not exist; using an empty CLI configuration"
    empty_config="$(mktemp "${TMPDIR:-/tmp}/cli-config.XXXXXX")"
    tmp_paths+=("${empty_config}")
    export TF_CLI_CONFIG_FILE="${empty_config}"
  fi
}

# new_work_dir: make a fresh temporary directory, removed on exit, and set the
# global work_dir to it. (A global rather than output for $(...): a subshell
# could not register the directory for removal.)
new_work_dir() {
  work_dir="$(mktemp -d "${TMPDIR:-/tmp}/cli-build.XXXXXX")"
  tmp_paths+=("${work_dir}")
}

# copy_module_source MODULE VERSION DEST: download MODULE@VERSION from the Go
# module proxy and copy its source to DEST (which must not exist), writable.
copy_module_source() {
  local module="$1" version="$2" dest="$3" json src
  log "downloading ${module}@${version} from the Go module proxy"
  # Run outside any module (and any workspace) so nothing touches our go.mod/go.sum.
  json="$(cd "$(dirname "${dest}")" && GOWORK=off GOFLAGS='' go mod download -json "${module}@${version}")" || {
    printf '%s\n' "${json:-}" >&2
    log "could not download ${module}@${version}"
    return 1
  }
  if grep -q '"Error"' <<<"${json}"; then
    printf '%s\n' "${json}" >&2
    log "could not download ${module}@${version}"
    return 1
  fi
  src="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p' <<<"${json}")"
  if [[ -z "${src}" || ! -d "${src}" ]]; then
    printf '%s\n' "${json}" >&2
    log "no module directory in 'go mod download' output"
    return 1
  fi
  # The module cache is read-only: build from a writable copy.
  cp -R "${src}" "${dest}"
  chmod -R u+w "${dest}"
}

# reported_version BINARY: the version BINARY reports, e.g. "1.12.6" (empty if
# it cannot run). Terraform and OpenTofu both name the field terraform_version.
reported_version() {
  "$1" version -json 2>/dev/null |
    sed -n 's/.*"terraform_version":[[:space:]]*"\([^"]*\)".*/\1/p'
}

# install_built_binary BUILT DEST: move a freshly built binary into the cache
# only once the build succeeded, so an interrupted build never leaves a
# half-written binary there.
install_built_binary() {
  mkdir -p "$(dirname "$2")"
  mv -f "$1" "$2"
}

# ensure_cli BINARY VERSION BUILD_FUNCTION: keep the cached BINARY when it
# reports VERSION (a leading v is ignored), otherwise build it with
# BUILD_FUNCTION and check that the new binary reports VERSION; then show
# its version on stderr.
ensure_cli() {
  local cli="$1" version="${2#v}" build="$3" got
  if [[ -x "${cli}" && "$(reported_version "${cli}")" == "${version}" ]]; then
    log "using cached ${cli}"
  else
    "${build}"
    got="$(reported_version "${cli}")"
    if [[ "${got}" != "${version}" ]]; then
      log "built binary reports version '${got}', expected '${version}'"
      exit 1
    fi
  fi
  "${cli}" version >&2
}

# run_acceptance_tests CLI [NAME=VALUE...]: the provider's acceptance tests,
# from the repository root, with CLI as the Terraform binary (a CLI
# configuration that terraform-exec can live with: see
# use_empty_cli_config_if_missing) and NAME=VALUE added to their environment.
run_acceptance_tests() {
  local cli="$1"
  shift
  use_empty_cli_config_if_missing
  cd "${root:?}" || return
  # shellcheck disable=SC2086 # TESTARGS is intentionally word-split
  env TF_ACC=1 \
    TF_ACC_TERRAFORM_PATH="${cli}" \
    TF_ACC_PROVIDER_NAMESPACE="${TF_ACC_PROVIDER_NAMESPACE-iotauth}" \
    "$@" \
    go test -count=1 -timeout 30m ${TESTARGS:-} ./internal/provider/...
}
