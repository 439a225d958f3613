//! Genesis presets of the chains run with the public development keys:
//!
//! - `development`: Alice's hospital validates alone; Alice is the sudo key (the only chain
//!   where root is reachable).
//! - `local_testnet`: four hospitals (Alice, Bob, Charlie, Dave) with every role, a council of
//!   four and no sudo key: governance goes through council motions.
//! - `two_hospitals`: Alice's and Bob's hospitals, no sudo key: the smallest network that
//!   finalizes with two validators, for tests that start two nodes.
//!
//! All of them endow the well-known development accounts. A production consortium builds its
//! chain spec from its hospitals' public keys instead (`healthchain-node consortium-spec`).

use crate::{
	AccountId, AttestationConfig, BalancesConfig, CareProvidersConfig, ConsortiumConfig,
	RuntimeGenesisConfig, SessionConfig, SessionKeys, SudoConfig,
};
use alloc::{string::String, vec, vec::Vec};
use frame_support::{build_struct_json_patch, BoundedVec};
use pallet_consortium::{GenesisHospital, Roles};
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::{PresetId, DEV_RUNTIME_PRESET, LOCAL_TESTNET_RUNTIME_PRESET};
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// Balance given to each endowed development account.
pub const ENDOWMENT: u128 = 1u128 << 60;

/// The preset of the two-hospital test network.
pub const TWO_HOSPITALS_PRESET: &str = "two_hospitals";

/// Blocks per session on the development networks: half a minute, so that admissions and
/// removals take effect within a minute in tests.
pub const DEV_SESSION_LENGTH: u32 = 5;

/// A hospital of a development network: its name and the keyring member whose keys it uses
/// (governance account and session keys derive from the member's seed, as `--alice` … insert
/// them into the node's keystore; the attestor account is that of the `infr` key derived as
/// `//Alice//infr`, which such a node holds too).
struct DevHospital {
	name: &'static str,
	keys: Sr25519Keyring,
}

/// The genesis patch of a development network of `hospitals`, each with every role; `sudo`
/// is the sudo key, if the chain has one.
fn dev_network_genesis(hospitals: &[DevHospital], sudo: Option<AccountId>) -> Value {
	let consortium_hospitals: Vec<GenesisHospital<AccountId>> = hospitals
		.iter()
		.map(|hospital| GenesisHospital {
			account: hospital.keys.to_account_id(),
			name: String::from(hospital.name),
			attestor: dev_attestor(hospital.keys),
			roles: Roles::ALL,
		})
		.collect();
	let session_keys: Vec<(AccountId, AccountId, SessionKeys)> = hospitals
		.iter()
		.map(|hospital| {
			let account = hospital.keys.to_account_id();
			(account.clone(), account, session_keys(hospital.keys))
		})
		.collect();
	let mut patch = build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed_dev_accounts()
				.into_iter()
				.map(|k| (k, ENDOWMENT))
				.collect::<Vec<_>>(),
		},
		consortium: ConsortiumConfig {
			hospitals: consortium_hospitals,
			session_length: DEV_SESSION_LENGTH,
		},
		session: SessionConfig { keys: session_keys },
		care_providers: CareProvidersConfig {
			members: BoundedVec::truncate_from(dev_care_providers())
		},
		attestation: AttestationConfig { models: vec![shipped_model()] },
	});
	if let Some(key) = sudo {
		let sudo =
			build_struct_json_patch!(RuntimeGenesisConfig { sudo: SudoConfig { key: Some(key) } });
		if let (Value::Object(patch), Value::Object(sudo)) = (&mut patch, sudo) {
			patch.extend(sudo);
		}
	}
	patch
}

/// The attestor account of a development keyring member's hospital: the account of the
/// sr25519 key `//<Member>//infr` (an account of its own, never the governance account the
/// member signs with).
pub fn dev_attestor(who: Sr25519Keyring) -> AccountId {
	use sp_core::Pair;
	use sp_runtime::traits::IdentifyAccount;
	let seed = alloc::format!("{}//infr", who.to_seed());
	let public = sp_core::sr25519::Pair::from_string(&seed, None)
		.map(|pair| pair.public())
		.unwrap_or_else(|_| who.public());
	sp_runtime::MultiSigner::from(public).into_account()
}

/// The session keys of a development keyring member: Aura and `infr` (sr25519) and GRANDPA
/// (ed25519), from the member's seed.
fn session_keys(who: Sr25519Keyring) -> SessionKeys {
	let (aura, grandpa) = authority_keys(who);
	SessionKeys { aura, grandpa, inference: who.public().into() }
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
		// One hospital may attest on the development chain; a consortium's council raises it
		// for clinical use (`attestation.set_min_quorum`).
		min_quorum: 1,
	}
}

/// The well-known development accounts (Alice … Ferdie and their stash accounts).
fn endowed_dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::well_known().map(|k| k.to_account_id()).collect()
}

/// Care providers of the development presets: Charlie and Dave act as clinicians who may
/// open break-glass access (on the four-hospital network they are hospitals with the
/// care-provider role as well).
fn dev_care_providers() -> Vec<AccountId> {
	let mut members: Vec<AccountId> =
		[Sr25519Keyring::Charlie, Sr25519Keyring::Dave].iter().map(|k| k.to_account_id()).collect();
	// Membership keeps its members sorted.
	members.sort();
	members
}

/// The `development` preset: Alice's hospital validates alone; Alice is the sudo key.
fn development_config_genesis() -> Value {
	dev_network_genesis(
		&[DevHospital { name: "Alice Hospital", keys: Sr25519Keyring::Alice }],
		Some(Sr25519Keyring::Alice.to_account_id()),
	)
}

/// The `local_testnet` preset: four hospitals, no sudo key.
fn local_testnet_genesis() -> Value {
	dev_network_genesis(
		&[
			DevHospital { name: "Alice Hospital", keys: Sr25519Keyring::Alice },
			DevHospital { name: "Bob Hospital", keys: Sr25519Keyring::Bob },
			DevHospital { name: "Charlie Hospital", keys: Sr25519Keyring::Charlie },
			DevHospital { name: "Dave Hospital", keys: Sr25519Keyring::Dave },
		],
		None,
	)
}

/// The `two_hospitals` preset: Alice's and Bob's hospitals, no sudo key.
fn two_hospitals_genesis() -> Value {
	dev_network_genesis(
		&[
			DevHospital { name: "Alice Hospital", keys: Sr25519Keyring::Alice },
			DevHospital { name: "Bob Hospital", keys: Sr25519Keyring::Bob },
		],
		None,
	)
}

/// The JSON patch of the preset `id`, or `None` for an unknown preset.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEV_RUNTIME_PRESET => development_config_genesis(),
		LOCAL_TESTNET_RUNTIME_PRESET => local_testnet_genesis(),
		TWO_HOSPITALS_PRESET => two_hospitals_genesis(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|s| s.into_bytes())
}

/// The names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(DEV_RUNTIME_PRESET),
		PresetId::from(LOCAL_TESTNET_RUNTIME_PRESET),
		PresetId::from(TWO_HOSPITALS_PRESET),
	]
}

#[cfg(test)]
pub(crate) mod tests {
	use super::*;

	/// The genesis storage of the named preset, built the way a chain spec builds it.
	pub(crate) fn genesis_of(name: &str) -> sp_io::TestExternalities {
		let patch = get_preset(&PresetId::from(name)).expect("named preset exists");
		let json: Value = serde_json::from_slice(&patch).expect("preset is JSON");
		let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("json");
		merge(&mut config, json);
		let config: RuntimeGenesisConfig =
			serde_json::from_value(config).expect("preset fits the genesis config");
		sp_runtime::BuildStorage::build_storage(&config).expect("genesis storage builds").into()
	}

	#[test]
	fn every_named_preset_builds_a_valid_genesis() {
		for name in preset_names() {
			let mut genesis = genesis_of(name.as_ref());
			genesis.execute_with(|| {
				assert!(!crate::Session::validators().is_empty(), "{name:?} has validators");
				#[cfg(feature = "try-runtime")]
				{
					use frame_support::traits::TryState;
					crate::AllPalletsWithSystem::try_state(
						0,
						frame_support::traits::TryStateSelect::All,
					)
					.expect("genesis state holds every invariant");
				}
			});
		}
	}

	#[test]
	fn the_local_testnet_is_four_hospitals_with_a_council_and_no_sudo_key() {
		use crate::{Consortium, Grandpa, Session};
		genesis_of(LOCAL_TESTNET_RUNTIME_PRESET).execute_with(|| {
			let keyring = [
				Sr25519Keyring::Alice,
				Sr25519Keyring::Bob,
				Sr25519Keyring::Charlie,
				Sr25519Keyring::Dave,
			];
			let hospitals: Vec<AccountId> = keyring.iter().map(|k| k.to_account_id()).collect();
			let mut sorted = hospitals.clone();
			sorted.sort();
			assert_eq!(pallet_sudo::Key::<crate::Runtime>::get(), None);
			assert_eq!(pallet_consortium::Hospitals::<crate::Runtime>::count(), 4);
			for (member, hospital) in keyring.iter().zip(&hospitals) {
				let entry = pallet_consortium::Hospitals::<crate::Runtime>::get(hospital)
					.expect("hospital admitted at genesis");
				assert_eq!(entry.roles, Roles::ALL);
				// Each hospital's attestor is an account of its own, not its governance account.
				assert_eq!(entry.attestor, dev_attestor(*member));
				assert_ne!(&entry.attestor, hospital);
			}
			assert_eq!(Consortium::validators(), sorted);
			assert_eq!(
				pallet_collective::Members::<crate::Runtime, crate::configs::CouncilInstance>::get(
				),
				sorted
			);
			assert_eq!(Session::validators(), sorted);
			assert_eq!(pallet_aura::Authorities::<crate::Runtime>::get().len(), 4);
			assert_eq!(Grandpa::grandpa_authorities().len(), 4);
			assert_eq!(
				pallet_consortium::SessionLength::<crate::Runtime>::get(),
				DEV_SESSION_LENGTH
			);
		});
	}

	#[test]
	fn only_the_development_chain_has_a_sudo_key() {
		genesis_of(DEV_RUNTIME_PRESET).execute_with(|| {
			assert_eq!(
				pallet_sudo::Key::<crate::Runtime>::get(),
				Some(Sr25519Keyring::Alice.to_account_id())
			);
			assert_eq!(crate::Session::validators().len(), 1);
		});
		genesis_of(TWO_HOSPITALS_PRESET).execute_with(|| {
			assert_eq!(pallet_sudo::Key::<crate::Runtime>::get(), None);
			assert_eq!(crate::Session::validators().len(), 2);
		});
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
