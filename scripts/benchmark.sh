#!/usr/bin/env bash
# Regenerates the weights of healthchain's pallets from their benchmarks:
# builds the node with `--features runtime-benchmarks` and runs `benchmark pallet` on the
# development runtime, writing `pallets/<name>/src/weights.rs` through
# .maintain/frame-weight-template.hbs.
#
#   scripts/benchmark.sh                 # every healthchain pallet
#   scripts/benchmark.sh pallet_consent  # one pallet
#   STEPS=10 REPEAT=5 scripts/benchmark.sh   # quicker, less precise
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
# frame-benchmarking-cli brings a WASM test runtime of its own. Its build script must find that
# crate in `cargo metadata` of the workspace the hint names, which (resolved without the
# optional benchmarking CLI) does not list it; so this build leaves the hint of
# .cargo/config.toml out: each runtime resolves its own dependencies (polkadot-sdk crates are
# pinned with `=`, so the measured runtime matches the shipped one).
export WASM_BUILD_WORKSPACE_HINT=/dev/null/no-workspace-hint
cargo build --release --locked -p healthchain-node --features runtime-benchmarks
# Started through PATH, so that the "Executed Command" the weight files record is
# `healthchain-node …`, not a path of the machine that ran it.
PATH="$(cd "${CARGO_TARGET_DIR:-target}/release" && pwd):$PATH"

pallets=("$@")
if [ ${#pallets[@]} -eq 0 ]; then
	pallets=(pallet_consent pallet_records pallet_attestation pallet_consortium)
fi

for pallet in "${pallets[@]}"; do
	dir="pallets/${pallet#pallet_}"
	echo "==> benchmarking $pallet into $dir/src/weights.rs"
	healthchain-node benchmark pallet \
		--chain dev \
		--pallet "$pallet" \
		--extrinsic '*' \
		--steps "${STEPS:-50}" \
		--repeat "${REPEAT:-20}" \
		--wasm-execution compiled \
		--heap-pages 4096 \
		--template .maintain/frame-weight-template.hbs \
		--header .maintain/HEADER \
		--output "$dir/src/weights.rs"
done
