#!/usr/bin/env bash
# Installs what building and testing healthchain needs, when it is missing. Safe to run twice.
#   - Debian packages: protobuf-compiler (litep2p), clang/libclang (bindgen), pkg-config, make
#   - the Rust toolchain of rust-toolchain.toml with the WASM targets and rust-src
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*"; }

# Debian packages.
need_pkgs=()
for pkg in protobuf-compiler clang libclang-dev pkg-config make; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need_pkgs+=("$pkg")
done
if [ "${#need_pkgs[@]}" -gt 0 ]; then
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	log "installing Debian packages: ${need_pkgs[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}"
else
	log "Debian packages present"
fi

# Node.js and npm for the @polkadot/api client tests (Debian's packages when missing).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	log "installing Node.js and npm"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm
fi

# Rust: the toolchain named in rust-toolchain.toml, its targets and components.
if ! command -v rustup >/dev/null; then
	log "rustup is required (https://rustup.rs); install it and re-run"
	exit 1
fi
toolchain=$(sed -n 's/^channel *= *"\(.*\)"/\1/p' rust-toolchain.toml)
rustup toolchain list | grep -q "^${toolchain}" || rustup toolchain install "$toolchain" --profile minimal
installed_targets=$(rustup +"$toolchain" target list --installed)
for target in wasm32v1-none wasm32-unknown-unknown; do
	grep -qx "$target" <<<"$installed_targets" || { log "adding target $target"; rustup +"$toolchain" target add "$target"; }
done
installed_components=$(rustup +"$toolchain" component list --installed)
for component in rust-src rustfmt clippy; do
	grep -q "^${component}" <<<"$installed_components" || { log "adding component $component"; rustup +"$toolchain" component add "$component"; }
done
log "Rust $toolchain ready"
