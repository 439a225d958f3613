#!/usr/bin/env bash
# The README's "test" command: installs what is missing, then runs the whole test suite:
# formatting, clippy, unit and property tests of every crate, and the end-to-end tests that
# start real nodes (node/tests/). CI runs this through .ci/run.
#
# Each step prints the wall-clock time and the minutes elapsed since the start; at the end (or
# at the step that failed) a summary gives each step's duration and how many crates cargo
# compiled or checked in it, which shows where a cold run's time goes (docs/development.md).
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
step_name=""
step_started=$started
summary=()
step_log=$(mktemp)

# Minutes, one decimal, in `seconds`.
minutes() { awk -v s="$1" 'BEGIN { printf "%.1f", s / 60 }'; }

# Ends the running step: records its duration and the crates cargo compiled or checked in it.
end_step() {
	[ -n "$step_name" ] || return 0
	local now crates
	now=$(date +%s)
	crates=$(grep -cE '(Compiling|Checking)[^ ]* [A-Za-z0-9_-]+ v[0-9]' "$step_log" || true)
	summary+=("$(printf '%6s min  %4s crates  %s' "$(minutes $((now - step_started)))" "$crates" "$step_name")")
	step_name=""
}

# Starts a step: prints its name, the time and the minutes elapsed since the start.
step() {
	end_step
	step_name=$*
	step_started=$(date +%s)
	: >"$step_log"
	printf '\n==> [%s, %s min] %s\n' "$(date '+%F %T')" "$(minutes $((step_started - started)))" "$step_name"
}

# Runs a command of the running step, its output also kept to count what cargo compiled.
run() { "$@" 2>&1 | tee -a "$step_log"; }

# `npm ci` in directory `$1`.
npm_ci() { (cd "$1" && npm ci --no-audit --no-fund); }

summarize() {
	local status=$?
	# Jobs still running in the background (a step after they started failed): stop them and
	# their nodes.
	local pid log
	for pid in "${tests_pid:-}" "${zombienet_pid:-}"; do
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -- -"$pid" 2>/dev/null || true
		fi
	done
	# Their output so far, which may hold a failure of its own.
	for log in "${tests_log:-}" "${zombienet_log:-}"; do
		if [ -n "$log" ] && [ -f "$log" ]; then
			printf '\n--- output of a stopped background job (last 40 lines) ---\n'
			tail -n 40 "$log"
			rm -f "$log"
		fi
	done
	[ -n "$step_name" ] && [ "$status" -ne 0 ] && step_name="$step_name (FAILED)"
	end_step
	printf '\n==> [%s] %s after %s min\n' "$(date '+%F %T')" \
		"$([ "$status" -eq 0 ] && echo "all tests passed" || echo "failed")" \
		"$(minutes $(($(date +%s) - started)))"
	printf '%s\n' "${summary[@]}"
	rm -f "$step_log" "${zombienet_spec:-}"
	exit "$status"
}
trap summarize EXIT
# A signal ends the command through the same summary, which stops the background jobs.
trap 'exit 130' INT TERM HUP

step "setup (scripts/setup.sh)"
run scripts/setup.sh

step "cargo fmt --check"
run cargo fmt --all -- --check

# One profile (release, with overflow checks on) for the unit tests and for the node binary
# the end-to-end tests start, so a cold run compiles every dependency once. Exactly the
# targets `cargo test` runs (libraries, binaries, tests), not the engine's criterion bench,
# which the test command never runs (scripts/bench_inference.sh does; clippy checks it). It
# is the same cargo invocation as scripts/dev.sh, so the two share every artifact.
step "build (node, WASM runtime, tests)"
run cargo build --release --locked --workspace --lib --bins --tests

# What the networks below need: the dApp example (@polkadot/api) an end-to-end test runs
# against a real node, and zombienet.
step "npm ci (scripts/client, zombienet)"
run npm_ci scripts/client
run npm_ci zombienet

# The tests and the zombienet network run in the background while clippy and the benchmark
# build use the CPU: the build above compiled every test binary, cargo holds the target
# directory's lock only while it compiles (not while tests run), and the nodes under test
# mostly wait for their 6-second slots. Clippy and the benchmark build run at a lower
# priority (nice), so the nodes get the CPU first; the tests and zombienet wait with generous
# timeouts, never timed assertions. Each background job's output is printed as a whole when
# it ends. Each runs in a session of its own, so that a failure elsewhere stops it with every
# node it started.
step "tests and zombienet (started in the background)"
# The unit, property and end-to-end tests. The end-to-end tests are one test binary
# (node/tests/e2e) with two tests that run at the same time: a --dev node followed by a
# three-hospital chain from consortium-spec, and the four hospitals of the local testnet
# (joined by a fifth), each network shared by its scenarios.
tests_log=$(mktemp)
setsid cargo test --release --locked --workspace >"$tests_log" 2>&1 &
tests_pid=$!
# Multi-validator networks as operators run them: zombienet (native provider) starts the
# two hospitals' validators and runs the @polkadot/api client against both with quorum 2.
zombienet_log=$(mktemp)
node_dir=$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd)
# The raw spec of the two-hospital network (zombienet cannot customize one with `infr` keys).
zombienet_spec=$(mktemp --suffix=-two-hospitals-raw.json)
"$node_dir/healthchain-node" export-chain-spec --chain two-hospitals --raw >"$zombienet_spec"
HEALTHCHAIN_TWO_HOSPITALS_SPEC=$zombienet_spec PATH="$node_dir:$PATH" setsid \
	zombienet/node_modules/.bin/zombienet -p native test zombienet/two-hospitals.zndsl \
	>"$zombienet_log" 2>&1 &
zombienet_pid=$!
background_started=$(date +%s)
# Clippy starts once `cargo test` has found its test binaries fresh and released the target
# directory's lock (it prints "Running" then); otherwise the tests would wait for clippy.
for _ in $(seq 120); do
	grep -q 'Running' "$tests_log" 2>/dev/null || ! kill -0 "$tests_pid" 2>/dev/null && break
	sleep 1
done

# After the build, so that clippy finds the runtime's build script up to date. Clippy checks
# every dependency again, without generating code: cargo keeps check-mode metadata apart from
# the build's rlibs (docs/development.md).
step "cargo clippy (warnings are errors), while the tests run"
run nice -n 10 cargo clippy --release --locked --workspace --all-targets -- -D warnings

# Benchmarks are code too: run every pallet benchmark once against its mock runtime (the
# pallets' unit tests, in the same test binary, run again). Building only these pallets, and
# with runtime-benchmarks, gives frame-support, sp-runtime and much of their dependency tree
# other features than the workspace build, so cargo compiles that tree a second time here
# (docs/development.md). `--lib`: the pallets have no other test targets, and no doctest that
# is not `ignore`d.
step "pallet benchmarks as tests (feature runtime-benchmarks), while the tests run"
run nice -n 10 cargo test --release --locked -p pallet-consent -p pallet-records \
	-p pallet-attestation -p pallet-consortium --features runtime-benchmarks --lib

# Waits for background job `$1` (a pid variable's name) and prints its log `$2`; fails the
# step if the job failed.
wait_for() {
	local pid=${!1} log=$2 status=0
	wait "$pid" || status=$?
	printf -v "$1" '%s' ""
	run cat "$log"
	rm -f "$log"
	# Forget the log too, so the summary does not print it again.
	if [ "$1" = tests_pid ]; then tests_log=""; else zombienet_log=""; fi
	echo "(output collected $(minutes $(($(date +%s) - background_started))) min after the job started)"
	[ "$status" -eq 0 ] || { echo "failed with status $status"; exit "$status"; }
}

step "unit, property and end-to-end tests (their output)"
wait_for tests_pid "$tests_log"

step "zombienet: two hospitals attest with quorum 2 (its output)"
wait_for zombienet_pid "$zombienet_log"

# The commitment test vectors are produced by an independent Python implementation.
step "commitment test vectors match the Python reference"
run python3 scripts/commitment_vectors.py --check
