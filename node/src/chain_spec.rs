//! Chain specifications built from the runtime's genesis presets.

use healthchain_runtime::{genesis_config_presets::TWO_HOSPITALS_PRESET, WASM_BINARY};
use sc_service::ChainType;
use sp_genesis_builder::{DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};

/// The chain specification of healthchain (no client extensions).
pub type ChainSpec = sc_service::GenericChainSpec;

/// Token properties polkadot.js Apps shows: symbol, decimals and the SS58 prefix.
pub(crate) fn properties() -> sc_chain_spec::Properties {
	let mut properties = sc_chain_spec::Properties::new();
	properties.insert("tokenSymbol".into(), "HLTH".into());
	properties.insert("tokenDecimals".into(), 12.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// The WASM runtime blob, or an error saying how to get one.
pub(crate) fn wasm_binary() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| {
		"The WASM runtime was not built (was SKIP_WASM_BUILD set?); rebuild without it".into()
	})
}

/// The development chain: Alice's hospital validates alone; Alice is the sudo key.
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("healthchain development")
		.with_id("healthchain_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The local testnet: the hospitals of Alice, Bob, Charlie and Dave validate, a council of
/// four governs, no sudo key.
pub fn local_testnet_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("healthchain local testnet")
		.with_id("healthchain_local_testnet")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// The two-hospital test network: Alice's and Bob's hospitals, no sudo key.
pub fn two_hospitals_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm_binary()?, None)
		.with_name("healthchain two hospitals")
		.with_id("healthchain_two_hospitals")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(TWO_HOSPITALS_PRESET)
		.with_properties(properties())
		.build())
}
