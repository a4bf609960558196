#!/usr/bin/env bash
# `make bench`: the performance benchmark of issue 6, from a fresh clone with
# only Go and Terraform (>= 1.10; the results were taken with 1.11.4) on
# PATH, offline.
#
#  1. builds the provider, the mock platforms, the provider wrapper
#     (bench/cmd/provwrap) and the driver (bench/cmd/tfbench) into a
#     temporary directory;
#  2. runs the Go benchmarks (login, decoding, cache hit, JWT parsing and the
#     provider's RPC paths) with -benchmem;
#  3. runs tfbench: the mock with 0, 50 and 300 ms of added latency,
#     configurations with N = 1, 10, 100 iotauth_token blocks, N
#     iotauth_user_profile data sources and a floor without any provider,
#     `terraform plan` and `terraform apply` several times each, through a
#     temporary CLI configuration (TF_CLI_CONFIG_FILE) with dev_overrides;
#     ~/.terraformrc is never read or written; the same configurations
#     also run with a do-nothing provider (bench/cmd/stubprov) as the
#     framework floor, and with the schema floor (bench/cmd/schemafloor:
#     the provider's schemas answering with values captured from the real
#     provider, none of its code);
#  4. profiles the provider processes of plan and apply at N = 100 with a
#     profiling build (bench/cmd/provprof) and summarises the profiles;
#  5. writes bench/RESULTS.md (bench/out/RESULTS.md for a quick run) and
#     prints PASS/FAIL for each target.
#
# Environment:
#   BENCH_QUICK=1        reduced matrix (2 runs, 0 and 300 ms, N = 1 and 100,
#                        tokens only), written to bench/out/RESULTS.md
#   BENCH_STRICT=1       exit non-zero when a target is not met
#   BENCH_RUNS           timed runs per cell (default 5; quick 2)
#   BENCH_LATENCIES      e.g. "0ms,50ms,300ms"
#   BENCH_SIZES          e.g. "1,10,100"
#   BENCH_KINDS          "token,data"
#   BENCH_COMMANDS       "plan,apply"
#   BENCH_PLATFORM       monogoto (default), coiote or bienport
#   BENCH_OUT            report path
#   BENCH_BENCHTIME      -benchtime of the Go benchmarks (default 1s; quick 200ms)
#   BENCH_SKIP_GO=1      skip the Go benchmarks
#   BENCH_SKIP_PROFILE=1 skip the profiling runs
#   BENCH_PROFILE_RUNS   profiled runs per scenario and command (default 10)
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

quick="${BENCH_QUICK:-0}"
if [[ "$quick" == 1 ]]; then
  runs="${BENCH_RUNS:-2}"
  latencies="${BENCH_LATENCIES:-0ms,300ms}"
  sizes="${BENCH_SIZES:-1,100}"
  kinds="${BENCH_KINDS:-token}"
  out="${BENCH_OUT:-bench/out/RESULTS.md}"
  benchtime="${BENCH_BENCHTIME:-200ms}"
  profile_runs="${BENCH_PROFILE_RUNS:-3}"
else
  runs="${BENCH_RUNS:-5}"
  latencies="${BENCH_LATENCIES:-0ms,50ms,300ms}"
  sizes="${BENCH_SIZES:-1,10,100}"
  kinds="${BENCH_KINDS:-token,data}"
  out="${BENCH_OUT:-bench/RESULTS.md}"
  benchtime="${BENCH_BENCHTIME:-1s}"
  profile_runs="${BENCH_PROFILE_RUNS:-10}"
fi
commands="${BENCH_COMMANDS:-plan,apply}"
platform="${BENCH_PLATFORM:-monogoto}"

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

say() { printf '\n==> %s\n' "$*"; }
mkdir -p bench/out

say "Building the provider, the mock platforms and the benchmark tools"
# The real provider lives outside the dev_overrides directory, which holds
# only the wrapper under the provider's name; tfbench tells the wrapper
# which provider to start (the real one, the stub, or the profiling build).
# The provider and the stub are built the way .goreleaser.yml builds a
# release (static, paths trimmed, no symbol table or DWARF), so the
# measured memory is that of the binary users run: the symbol table and
# DWARF are not loaded, but a smaller file means fewer pages of it are read
# in around the code that runs (about 1.5 MiB of RSS per process). The
# grpcnotrace tag, as in a release, leaves gRPC's unused tracing package out.
release=(-trimpath -tags grpcnotrace -ldflags "-s -w")
CGO_ENABLED=0 go build "${release[@]}" -o "$tmp/real/terraform-provider-iotauth" .
go build -o "$tmp/wrap/terraform-provider-iotauth" ./bench/cmd/provwrap
CGO_ENABLED=0 go build "${release[@]}" -o "$tmp/bin/stubprov" ./bench/cmd/stubprov
CGO_ENABLED=0 go build "${release[@]}" -o "$tmp/bin/schemafloor" ./bench/cmd/schemafloor
# The profiling build keeps its symbols for pprof.
go build -tags grpcnotrace -o "$tmp/bin/provprof" ./bench/cmd/provprof
go build -o "$tmp/bin/iotauth-mock" ./cmd/iotauth-mock
go build -o "$tmp/bin/tfbench" ./bench/cmd/tfbench

extra=()
if [[ "${BENCH_SKIP_GO:-0}" != 1 ]]; then
  pkgs=()
  for f in internal/clients/benchmark_test.go internal/provider/benchmark_test.go; do
    if [[ -f "$f" ]]; then pkgs+=("./$(dirname "$f")"); fi
  done
  say "Go benchmarks (-benchmem, -benchtime=$benchtime): ${pkgs[*]}"
  go test -run '^$' -bench . -benchmem -benchtime="$benchtime" -count=1 "${pkgs[@]}" | tee "$tmp/gobench.txt"
  extra+=(-gobench "$tmp/gobench.txt")
fi
if [[ "${BENCH_SKIP_PROFILE:-0}" != 1 ]]; then
  extra+=(-profile-provider "$tmp/bin/provprof" -profile-dir "$tmp/profiles" -profile-runs "$profile_runs"
    -profile-keep bench/out)
fi
if [[ -f bench/NOTES.md ]]; then
  extra+=(-notes bench/NOTES.md)
fi

say "Whole-Terraform benchmark (runs=$runs latencies=$latencies sizes=$sizes kinds=$kinds)"
args=(
  -terraform "$(command -v terraform)"
  -provider "$tmp/real/terraform-provider-iotauth"
  -stub-provider "$tmp/bin/stubprov"
  -schema-floor "$tmp/bin/schemafloor"
  -wrapper-dir "$tmp/wrap"
  -mock "$tmp/bin/iotauth-mock"
  -work "$tmp/work"
  -runs "$runs" -latencies "$latencies" -sizes "$sizes" -kinds "$kinds" -commands "$commands"
  -platform "$platform"
  -out "$out" -json bench/out/results.json
)
if [[ "${BENCH_STRICT:-0}" == 1 ]]; then args+=(-strict); fi
if [[ "$quick" == 1 ]]; then args+=(-quick); fi
"$tmp/bin/tfbench" "${args[@]}" "${extra[@]}"
