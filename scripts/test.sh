#!/usr/bin/env bash
# The README's "test" command: installs what is missing, then runs the whole test suite:
# formatting, clippy, unit and property tests of every crate, and the end-to-end tests that
# start real nodes (node/tests/). CI runs this through .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

# One profile (release, with overflow checks on) for the unit tests and for the node binary
# the end-to-end tests start, so a cold run compiles every dependency once.
step "build (node, WASM runtime, tests)"
cargo build --release --locked --workspace --all-targets

# After the build, so that clippy finds the runtime's build script up to date.
step "cargo clippy (warnings are errors)"
cargo clippy --release --locked --workspace --all-targets -- -D warnings

# The dApp example (@polkadot/api) that an end-to-end test runs against a real node.
step "npm ci (scripts/client)"
(cd scripts/client && npm ci --no-audit --no-fund)

step "unit, property and end-to-end tests"
cargo test --release --locked --workspace

# Benchmarks are code too: run every pallet benchmark once against its mock runtime.
step "pallet benchmarks as tests (feature runtime-benchmarks)"
cargo test --release --locked -p pallet-consent -p pallet-records -p pallet-attestation --features runtime-benchmarks

# Multi-validator networks as operators run them: zombienet (native provider) starts the
# two hospitals' validators and runs the @polkadot/api client against both with quorum 2.
step "zombienet: two hospitals attest with quorum 2"
(cd zombienet && npm ci --no-audit --no-fund)
PATH="$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd):$PATH" \
	zombienet/node_modules/.bin/zombienet -p native test zombienet/two-hospitals.zndsl

# The commitment test vectors are produced by an independent Python implementation.
step "commitment test vectors match the Python reference"
python3 scripts/commitment_vectors.py --check

step "all tests passed"
