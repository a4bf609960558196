#!/usr/bin/env bash
# `make bench`: the whole-Terraform benchmark, from a fresh clone with only
# Go and Terraform (>= 1.10) on PATH, offline. What it measures and why:
# bench/NOTES.md.
#
#  1. builds the provider (as a release is built), the mock platforms, and
#     from the bench module (bench/go.mod) the driver bench/cmd/tfbench, the
#     process recorder bench/cmd/provwrap and bench/cmd/httpprov (the
#     stand-in for hashicorp/http) into a temporary directory;
#  2. runs tfbench: against the mock with added latency, N iotauth_token
#     blocks, N iotauth_user_profile data sources, N `data "http"` logins
#     and a floor without any provider, `terraform plan` and `terraform
#     apply` several times each, through a temporary CLI configuration
#     (TF_CLI_CONFIG_FILE) with dev_overrides; ~/.terraformrc is never read;
#  3. writes bench/RESULTS.md (bench/out/RESULTS.md for a quick run) and
#     prints PASS/FAIL for each target.
#
# Environment:
#   BENCH_QUICK=1        2 runs, 0 and 300 ms, N = 1 and 100, iotauth_token
#                        and data "http" only; writes bench/out/RESULTS.md
#   BENCH_STRICT=1       exit non-zero when a target is not met
#   BENCH_RUNS           timed runs per cell (default 5; quick 2)
#   BENCH_LATENCIES      e.g. "0ms,50ms,300ms"
#   BENCH_SIZES          e.g. "1,10,100"
#   BENCH_KINDS          "token,data,http"
#   BENCH_COMMANDS       "plan,apply"
#   BENCH_PLATFORM       monogoto (default), coiote or bienport
#   BENCH_OUT            report path
#   BENCH_HTTP_PROVIDER  a hashicorp/http provider binary to run instead of
#                        the stand-in (e.g. from a plugin cache)
#   BENCH_KEEP=1         keep the scratch directory (logs, configurations)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

for tool in go terraform; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "error: make bench needs '$tool' on PATH." >&2
    exit 1
  fi
done

if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  runs="${BENCH_RUNS:-2}"
  latencies="${BENCH_LATENCIES:-0ms,300ms}"
  sizes="${BENCH_SIZES:-1,100}"
  kinds="${BENCH_KINDS:-token,http}"
  out="${BENCH_OUT:-bench/out/RESULTS.md}"
  quick=(-quick)
else
  runs="${BENCH_RUNS:-5}"
  latencies="${BENCH_LATENCIES:-0ms,50ms,300ms}"
  sizes="${BENCH_SIZES:-1,10,100}"
  kinds="${BENCH_KINDS:-token,data,http}"
  out="${BENCH_OUT:-bench/RESULTS.md}"
  quick=()
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/iotauth-bench.XXXXXX")"
cleanup() {
  if [[ "${BENCH_KEEP:-0}" == 1 ]]; then
    echo "Scratch directory kept: $tmp"
  else
    rm -rf "$tmp"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p bench/out "$tmp/http"

printf '\n==> Building the provider, the mock platforms and the benchmark tools\n'
# The provider is built as .goreleaser.yml builds a release, so the memory
# measured is that of the binary users run.
CGO_ENABLED=0 go build -trimpath -tags grpcnotrace -ldflags "-s -w" -o "$tmp/real/terraform-provider-iotauth" .
go build -o "$tmp/bin/iotauth-mock" ./cmd/iotauth-mock
go -C bench build -o "$tmp/bin/tfbench" ./cmd/tfbench
# dev_overrides point iotauth/iotauth at the wrapper, which runs the
# provider and records each process's memory and CPU.
go -C bench build -o "$tmp/wrap/terraform-provider-iotauth" ./cmd/provwrap
if [[ -n "${BENCH_HTTP_PROVIDER:-}" ]]; then
  cp "$BENCH_HTTP_PROVIDER" "$tmp/http/terraform-provider-http"
  http_label="hashicorp/http from $BENCH_HTTP_PROVIDER"
else
  go -C bench build -o "$tmp/http/terraform-provider-http" ./cmd/httpprov
  http_label="stand-in bench/cmd/httpprov"
fi
label="$(git describe --always --dirty 2>/dev/null || echo 'unknown commit'); data \"http\": $http_label"

printf '\n==> Whole-Terraform benchmark (runs=%s latencies=%s sizes=%s kinds=%s)\n' "$runs" "$latencies" "$sizes" "$kinds"
args=(
  -terraform "$(command -v terraform)"
  -provider "$tmp/real/terraform-provider-iotauth"
  -wrapper-dir "$tmp/wrap"
  -http-dir "$tmp/http"
  -mock "$tmp/bin/iotauth-mock"
  -work "$tmp/work"
  -runs "$runs" -latencies "$latencies" -sizes "$sizes" -kinds "$kinds"
  -commands "${BENCH_COMMANDS:-plan,apply}" -platform "${BENCH_PLATFORM:-monogoto}"
  -label "$label"
  -out "$out" -json bench/out/results.json
  "${quick[@]}"
)
if [[ "${BENCH_STRICT:-0}" == 1 ]]; then args+=(-strict); fi
"$tmp/bin/tfbench" "${args[@]}"
