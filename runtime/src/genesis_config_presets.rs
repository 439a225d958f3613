//! Genesis presets: `development` (Alice validates alone) and `local_testnet` (Alice and Bob).
//!
//! Both endow the well-known development accounts and make Alice the sudo key, which stands
//! in for the hospital council of a production network.

use crate::{
	AccountId, AttestationConfig, AuraConfig, BalancesConfig, CareProvidersConfig,
	CustodiansConfig, GrandpaConfig, RuntimeGenesisConfig, SudoConfig,
};
use alloc::{vec, vec::Vec};
use frame_support::{build_struct_json_patch, BoundedVec};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Balance given to each endowed development account.
pub const ENDOWMENT: u128 = 1u128 << 60;

/// The genesis patch for a chain with the given validators, endowed accounts and sudo key.
fn testnet_genesis(
	initial_authorities: Vec<(AuraId, GrandpaId)>,
	endowed_accounts: Vec<AccountId>,
	root: AccountId,
	care_providers: Vec<AccountId>,
	custodians: Vec<AccountId>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_accounts.iter().cloned().map(|k| (k, ENDOWMENT)).collect::<Vec<_>>(),
		},
		aura: AuraConfig {
			authorities: initial_authorities.iter().map(|x| x.0.clone()).collect::<Vec<_>>(),
		},
		grandpa: GrandpaConfig {
			authorities: initial_authorities.iter().map(|x| (x.1.clone(), 1)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
		care_providers: CareProvidersConfig { members: BoundedVec::truncate_from(care_providers) },
		custodians: CustodiansConfig { members: BoundedVec::truncate_from(custodians.clone()) },
		// Each custodian hospital's node attests with its own `infr` key (the `--alice` …
		// dev keys derive it from the same seed as the account).
		attestation: AttestationConfig { models: vec![shipped_model()], attestors: custodians },
	})
}

/// The Aura and GRANDPA keys of a development keyring member.
fn authority_keys(who: Sr25519Keyring) -> (AuraId, GrandpaId) {
	let ed = match who {
		Sr25519Keyring::Alice => Ed25519Keyring::Alice,
		Sr25519Keyring::Bob => Ed25519Keyring::Bob,
		Sr25519Keyring::Charlie => Ed25519Keyring::Charlie,
		Sr25519Keyring::Dave => Ed25519Keyring::Dave,
		Sr25519Keyring::Eve => Ed25519Keyring::Eve,
		_ => Ed25519Keyring::Ferdie,
	};
	(who.public().into(), ed.public().into())
}

/// blake2-256 of `models/breast-cancer-mlp.onnx`: the shipped diagnostic model.
pub const SHIPPED_MODEL_HASH: [u8; 32] =
	hex_literal(b"9a60b797ad1c067550ec6432ab160bbaba5c9a105971fe472f4fb454d9af062e");
/// blake2-256 of `models/breast-cancer-mlp.card.json`: the shipped model's card.
pub const SHIPPED_MODEL_CARD_HASH: [u8; 32] =
	hex_literal(b"15626e840c7d12bb0dc3aa9a42ee0d905278c334be806c6493501e948ce6924b");

/// Decodes 64 hex digits at compile time.
const fn hex_literal(hex: &[u8; 64]) -> [u8; 32] {
	const fn digit(c: u8) -> u8 {
		match c {
			b'0'..=b'9' => c - b'0',
			b'a'..=b'f' => c - b'a' + 10,
			_ => panic!("not a lowercase hex digit"),
		}
	}
	let mut out = [0u8; 32];
	let mut i = 0;
	while i < 32 {
		out[i] = digit(hex[2 * i]) << 4 | digit(hex[2 * i + 1]);
		i += 1;
	}
	out
}

/// The shipped breast-cancer model, approved at genesis on development chains.
fn shipped_model() -> pallet_attestation::GenesisModel {
	pallet_attestation::GenesisModel {
		model_hash: SHIPPED_MODEL_HASH,
		card_hash: SHIPPED_MODEL_CARD_HASH,
		name: b"breast-cancer-mlp".to_vec(),
		version: b"1.0.0".to_vec(),
		output_size: 2,
		tolerance_ppm: 1000,
		engine_version: b"tract-onnx 0.23.9".to_vec(),
	}
}

/// The well-known development accounts (Alice … Ferdie and their stash accounts).
fn endowed_dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// Care providers of the development presets: Charlie and Dave act as clinicians who may
/// open break-glass access.
fn dev_care_providers() -> Vec<AccountId> {
	sorted(
		[Sr25519Keyring::Charlie, Sr25519Keyring::Dave].iter().map(|k| k.to_account_id()).collect(),
	)
}

/// Membership keeps its members sorted.
fn sorted(mut members: Vec<AccountId>) -> Vec<AccountId> {
	members.sort();
	members
}

/// The `development` preset: Alice is the only validator and the sudo key.
fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority_keys(Sr25519Keyring::Alice)],
		endowed_dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		dev_care_providers(),
		sorted(vec![Sr25519Keyring::Alice.to_account_id()]),
	)
}

/// The `local_testnet` preset: Alice and Bob validate; Alice is the sudo key.
fn local_testnet_genesis() -> Value {
	testnet_genesis(
		vec![authority_keys(Sr25519Keyring::Alice), authority_keys(Sr25519Keyring::Bob)],
		endowed_dev_accounts(),
		Sr25519Keyring::Alice.to_account_id(),
		dev_care_providers(),
		sorted(vec![Sr25519Keyring::Alice.to_account_id(), Sr25519Keyring::Bob.to_account_id()]),
	)
}

/// The JSON patch of the preset `id`, or `None` for an unknown preset.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEV_RUNTIME_PRESET => development_config_genesis(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|s| s.into_bytes())
}

/// The names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![PresetId::from(DEV_RUNTIME_PRESET), PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET)]
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn every_named_preset_builds_a_valid_genesis() {
		for name in preset_names() {
			let patch = get_preset(&name).expect("named preset exists");
			let json: Value = serde_json::from_slice(&patch).expect("preset is JSON");
			let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("json");
			merge(&mut config, json);
			let config: RuntimeGenesisConfig =
				serde_json::from_value(config).expect("preset fits the genesis config");
			sp_runtime::BuildStorage::build_storage(&config).expect("genesis storage builds");
		}
	}

	/// Applies a JSON patch the way the chain-spec builder does: objects merge key by key.
	fn merge(base: &mut Value, patch: Value) {
		match (base, patch) {
			(Value::Object(base), Value::Object(patch)) => {
				for (key, value) in patch {
					merge(base.entry(key).or_insert(Value::Null), value);
				}
			},
			(base, patch) => *base = patch,
		}
	}

	#[test]
	fn shipped_model_constants_hash_the_shipped_files() {
		let model = include_bytes!("../../models/breast-cancer-mlp.onnx");
		let card = include_bytes!("../../models/breast-cancer-mlp.card.json");
		use sp_runtime::traits::{BlakeTwo256, Hash};
		assert_eq!(BlakeTwo256::hash(model).0, SHIPPED_MODEL_HASH);
		assert_eq!(BlakeTwo256::hash(card).0, SHIPPED_MODEL_CARD_HASH);
	}

	#[test]
	fn unknown_preset_is_none() {
		assert!(get_preset(&PresetId::from("mainnet")).is_none());
	}
}
