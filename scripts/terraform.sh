#!/usr/bin/env bash
# Run the acceptance tests against a given Terraform version (not the one on
# PATH), to prove the supported range: `make testacc-terraform TF_VERSION=v1.10.5`,
# `make testacc-matrix` for the lowest and the newest.
#
# Terraform is built from source, from the Go module proxy, like OpenTofu in
# scripts/tofu.sh (shared helpers: scripts/lib/build-cli.sh), with one extra
# step. The module zip of github.com/hashicorp/terraform leaves out its nested
# modules, the remote-state backends (azure, consul, cos, gcs, kubernetes, oss,
# pg, s3 and, from v1.13, oci) and internal/legacy, which go.mod points at with
# `replace ... => ./...` lines, so a plain build fails on "replacement directory
# ... does not exist". This script drops every such replacement whose directory
# is missing (its replace and require lines in go.mod, and for a backend its
# import and map entry in internal/backend/init/init.go) and builds with
# GOFLAGS=-mod=mod. Only those remote-state backends are gone: local state,
# dev_overrides, provider installation and everything an acceptance test needs
# are untouched. Never use such a binary for real infrastructure.
#
# The binary is cached in .cache/terraform/<version>/terraform (git-ignored), so
# only the first run pays for the build (several minutes on 2 cores).
#
# Environment:
#   TF_VERSION                 Terraform version to build, e.g. v1.10.5 (required; the
#                              served versions: go list -m -versions github.com/hashicorp/terraform).
#                              Must be >= 1.10 for ephemeral resources.
#   TF_BUILD_ONLY=1            build/cache the binary, print its path, run no tests.
#   TF_ACC_PROVIDER_NAMESPACE  provider namespace the test harness registers (default iotauth,
#                              as in `make test`; set it empty for the harness default).
#   TESTARGS                   extra arguments for `go test`.
set -euo pipefail

TF_MODULE="github.com/hashicorp/terraform"

if [[ -z "${TF_VERSION:-}" ]]; then
  echo "error: set TF_VERSION to the Terraform version to build, e.g. TF_VERSION=v1.10.5" >&2
  exit 2
fi
TF_VERSION="v${TF_VERSION#v}"
# Fail before a build of several minutes rather than in every test afterwards.
TF_MIN_VERSION=1.10.0
if ! printf '%s\n%s\n' "${TF_MIN_VERSION}" "${TF_VERSION#v}" | sort -V -C; then
  echo "error: TF_VERSION=${TF_VERSION}: the acceptance tests need Terraform >= ${TF_MIN_VERSION} (ephemeral resources)" >&2
  exit 2
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
terraform="${root}/.cache/terraform/${TF_VERSION}/terraform"

LOG_PREFIX=terraform.sh
# shellcheck source=scripts/lib/build-cli.sh
source "${root}/scripts/lib/build-cli.sh"

# drop_missing_nested_modules SRC: remove from SRC's go.mod every `replace X =>
# ./dir` whose dir is not in the module zip (and X's require line), and from the
# backend registry every import of such an X and the map entries using it.
drop_missing_nested_modules() {
  local src="$1" init="$1/internal/backend/init/init.go"
  local path dir alias dropped=()
  while read -r path dir; do
    [[ -d "${src}/${dir}" ]] && continue
    dropped+=("${path}")
    # The replace line and the require line (inside the require block or not).
    sed -i -E \
      -e "\\#^[[:space:]]*replace[[:space:]]+${path}[[:space:]]+=>#d" \
      -e "\\#^[[:space:]]*(require[[:space:]]+)?${path}[[:space:]]+v#d" \
      "${src}/go.mod"
    alias="$(sed -n -E "s#^[[:space:]]*([A-Za-z0-9_]+)[[:space:]]+\"${path}\"\$#\\1#p" "${init}")"
    if [[ -n "${alias}" ]]; then
      sed -i -E \
        -e "\\#^[[:space:]]*${alias}[[:space:]]+\"${path}\"\$#d" \
        -e "/[^A-Za-z0-9_]${alias}\\.New\\(/d" \
        "${init}"
    fi
  done < <(sed -n -E 's#^[[:space:]]*replace[[:space:]]+([^[:space:]]+)[[:space:]]+=>[[:space:]]+\./([^[:space:]]+)[[:space:]]*$#\1 \2#p' "${src}/go.mod")

  if ((${#dropped[@]} == 0)); then
    log "no missing nested modules in ${TF_MODULE}@${TF_VERSION}'s go.mod (nothing dropped)"
    return 0
  fi
  log "dropped nested modules missing from the module zip: ${dropped[*]##*/}"
  # Nothing may still refer to them (a stale map entry would fail the build
  # later, with a less helpful message).
  for path in "${dropped[@]}"; do
    if grep -rqF --include='*.go' --exclude='*_test.go' "\"${path}\"" "${src}" ||
      grep -qE "(^|[[:space:]])${path}[[:space:]]" "${src}/go.mod"; then
      log "${path} is still referred to after dropping it"
      return 1
    fi
  done
}

build_terraform() {
  local start
  new_work_dir
  copy_module_source "${TF_MODULE}" "${TF_VERSION}" "${work_dir}/src"
  drop_missing_nested_modules "${work_dir}/src"

  log "building terraform ${TF_VERSION} (this takes several minutes the first time)"
  start="$(date +%s)"
  # -mod=mod: go.mod changed above, so let go update go.mod/go.sum (in the copy).
  (cd "${work_dir}/src" && GOWORK=off GOFLAGS=-mod=mod CGO_ENABLED=0 \
    go build -trimpath \
      -ldflags="-s -w -X github.com/hashicorp/terraform/version.dev=no" \
      -o "${work_dir}/terraform" .)
  install_built_binary "${work_dir}/terraform" "${terraform}"
  log "built ${terraform} in $(($(date +%s) - start))s"
}

ensure_cli "${terraform}" "${TF_VERSION}" build_terraform

if [[ "${TF_BUILD_ONLY:-}" == "1" ]]; then
  printf '%s\n' "${terraform}"
  exit 0
fi

log "running acceptance tests with Terraform ${TF_VERSION}"
run_acceptance_tests "${terraform}"
