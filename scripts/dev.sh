#!/usr/bin/env bash
# The README's "run" command: installs what is missing, builds the node in release mode and
# starts a development chain (Alice validating alone) on ws://127.0.0.1:9944.
#
#   scripts/dev.sh              # throw-away chain (--tmp)
#   scripts/dev.sh ./chain-data # keep the chain in ./chain-data between runs
#
# Extra node flags can follow the base path, e.g. `scripts/dev.sh ./chain-data --rpc-external`.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

# The same cargo invocation as scripts/test.sh builds (libraries, binaries and tests: the same
# features and profile), so the two share every artifact.
cargo build --release --locked --workspace --lib --bins --tests

target_dir="${CARGO_TARGET_DIR:-target}"
node="$target_dir/release/healthchain-node"

if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	base_path=("--base-path" "$1")
	shift
else
	base_path=("--tmp")
fi

echo "Starting healthchain-node --dev; connect polkadot.js Apps to ws://127.0.0.1:9944"
exec "$node" --dev "${base_path[@]}" --offchain-worker always "$@"
