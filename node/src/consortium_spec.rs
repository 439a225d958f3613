//! `healthchain-node consortium-spec`: the chain spec of a production consortium, built from
//! the founding hospitals' public keys alone.
//!
//! Each hospital generates its keys on its own machines and shares only public data: its name,
//! governance account, attestor account, the public session keys its node generated
//! (`author_rotateKeysWithOwner`, or `key generate` for each key type) and its node's peer id.
//! One of them collects the list into a `hospitals.json` and builds the spec; every hospital
//! can rebuild it from the same file and compare the genesis hash.
//!
//! The spec has those hospitals as validators, custodians, attestors, care providers and
//! council, and nothing else: no sudo key, no endowed development accounts, no well-known keys, no approved model
//! (the council approves models by motion).
//!
//! ```json
//! {
//!   "name": "Example Health Consortium",
//!   "id": "example_health",
//!   "sessionLength": 600,
//!   "hospitals": [
//!     {
//!       "name": "St. Mary's Hospital",
//!       "account": "5F…",
//!       "attestor": "5H…",
//!       "sessionKeys": { "aura": "0x…", "grandpa": "0x…", "infr": "0x…" },
//!       "peerId": "12D3KooW…",
//!       "bootnode": "/dns/chain.st-marys.example/tcp/30333"
//!     }
//!   ]
//! }
//! ```

use healthchain_runtime::{AccountId, Balance, UNIT};
use sc_network::{config::MultiaddrWithPeerId, PeerId};
use sc_service::ChainType;
use serde::Deserialize;
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, ed25519, sr25519, ByteArray};
use std::{collections::BTreeSet, fmt, path::PathBuf, str::FromStr};

/// A consortium needs at least this many founding hospitals: with fewer, GRANDPA stops
/// finalizing as soon as one validator is down and no majority of the council can outvote a
/// single hospital.
pub const MIN_FOUNDING_HOSPITALS: usize = 3;

/// Blocks per session unless the hospital list says otherwise: an hour of 6-second blocks.
pub const DEFAULT_SESSION_LENGTH: u32 = 600;

/// What each founding hospital's governance account is endowed with: enough for the session
/// key deposit and years of governance transactions.
pub const GOVERNANCE_ENDOWMENT: Balance = 1_000 * UNIT;

/// What each attestor account is endowed with. Accepted results are fee-less; the balance
/// pays for the rare paid transaction (a late or repeated submission).
pub const ATTESTOR_ENDOWMENT: Balance = 10 * UNIT;

/// `healthchain-node consortium-spec --hospitals hospitals.json [--raw]`.
#[derive(Debug, clap::Parser)]
pub struct ConsortiumSpecCmd {
	/// The founding hospitals and the chain's name, id and session length (see the operator
	/// guide for the format).
	#[arg(long, value_name = "FILE")]
	pub hospitals: PathBuf,

	/// Emit the raw chain spec (genesis storage), the form every node of the consortium runs.
	#[arg(long)]
	pub raw: bool,

	/// Write the spec to this file instead of standard output.
	#[arg(long, short, value_name = "FILE")]
	pub output: Option<PathBuf>,
}

impl ConsortiumSpecCmd {
	/// Reads the hospital list, builds the spec and writes it.
	pub fn run(&self) -> Result<(), String> {
		let text = std::fs::read_to_string(&self.hospitals)
			.map_err(|e| format!("cannot read {}: {e}", self.hospitals.display()))?;
		let file = HospitalsFile::parse(&text).map_err(|e| e.to_string())?;
		let spec = build(&file)?.as_json(self.raw)?;
		match &self.output {
			Some(path) => std::fs::write(path, spec + "\n")
				.map_err(|e| format!("cannot write {}: {e}", path.display())),
			None => {
				println!("{spec}");
				Ok(())
			},
		}
	}
}

/// The hospital list as written in `hospitals.json`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HospitalsFile {
	/// The chain's human-readable name.
	pub name: String,
	/// The chain's id (the node's database directory is named after it).
	pub id: String,
	/// Blocks per session; [`DEFAULT_SESSION_LENGTH`] if absent.
	#[serde(default)]
	pub session_length: Option<u32>,
	/// The founding hospitals.
	pub hospitals: Vec<HospitalEntry>,
}

/// One founding hospital: only public data.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HospitalEntry {
	/// The hospital's name.
	pub name: String,
	/// Its governance account (SS58): votes in the council, holds the session key deposit.
	pub account: String,
	/// Its attestor account (SS58): the account of the `infr` key its off-chain worker signs
	/// results with.
	pub attestor: String,
	/// The public session keys of its validator node.
	pub session_keys: SessionKeysEntry,
	/// Its node's libp2p peer id.
	pub peer_id: String,
	/// Where other nodes reach its node (a multiaddr without `/p2p/…`); the spec lists it as a
	/// bootnode with the peer id.
	#[serde(default)]
	pub bootnode: Option<String>,
}

/// Public session keys, each as `0x`-prefixed hex or SS58.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionKeysEntry {
	/// The Aura (sr25519) key.
	pub aura: String,
	/// The GRANDPA (ed25519) key.
	pub grandpa: String,
	/// The `infr` (sr25519) key.
	pub infr: String,
}

/// Why a hospital list was refused: which entry, and what is wrong with it.
#[derive(Debug, PartialEq, Eq)]
pub enum SpecError {
	/// The file is not a hospital list.
	Malformed(String),
	/// Fewer hospitals than [`MIN_FOUNDING_HOSPITALS`].
	TooFewHospitals {
		/// How many the file lists.
		given: usize,
	},
	/// A field of a hospital does not parse.
	InvalidField {
		/// The hospital's position in the list (from 1).
		entry: usize,
		/// The hospital's name.
		hospital: String,
		/// The field.
		field: &'static str,
		/// Why.
		reason: String,
	},
	/// A key, account, name or peer id appears twice.
	Duplicate {
		/// The later hospital's position in the list (from 1).
		entry: usize,
		/// The later hospital's name.
		hospital: String,
		/// What repeats.
		field: &'static str,
		/// The position (from 1) of the hospital that has it already.
		first: usize,
	},
	/// The chain's name, id or session length is unusable.
	InvalidChain(String),
}

impl fmt::Display for SpecError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Self::Malformed(reason) => write!(f, "not a hospital list: {reason}"),
			Self::TooFewHospitals { given } => write!(
				f,
				"a consortium needs at least {MIN_FOUNDING_HOSPITALS} founding hospitals; the list has {given}"
			),
			Self::InvalidField { entry, hospital, field, reason } => {
				write!(f, "hospital {entry} ({hospital}): invalid {field}: {reason}")
			},
			Self::Duplicate { entry, hospital, field, first } => write!(
				f,
				"hospital {entry} ({hospital}): {field} is already used by hospital {first}"
			),
			Self::InvalidChain(reason) => write!(f, "invalid chain settings: {reason}"),
		}
	}
}

/// A hospital of the list, checked and decoded.
#[derive(Debug, Clone)]
pub struct FoundingHospital {
	/// Its name.
	pub name: String,
	/// Its governance account.
	pub account: AccountId,
	/// Its attestor account.
	pub attestor: AccountId,
	/// Its Aura key.
	pub aura: sr25519::Public,
	/// Its GRANDPA key.
	pub grandpa: ed25519::Public,
	/// Its `infr` key.
	pub infr: sr25519::Public,
	/// Its node's address with its peer id, if it serves as a bootnode.
	pub bootnode: Option<MultiaddrWithPeerId>,
}

/// The checked hospital list.
#[derive(Debug)]
pub struct Consortium {
	/// The chain's name.
	pub name: String,
	/// The chain's id.
	pub id: String,
	/// Blocks per session.
	pub session_length: u32,
	/// The founding hospitals, in the order of the file.
	pub hospitals: Vec<FoundingHospital>,
}

impl HospitalsFile {
	/// Parses the JSON of a hospital list (no checks beyond its shape).
	pub fn parse(text: &str) -> Result<Self, SpecError> {
		serde_json::from_str(text).map_err(|e| SpecError::Malformed(e.to_string()))
	}

	/// Checks every entry and decodes its keys: every field parses, nothing repeats (no
	/// account, key, name or peer id is used twice, whether as the same or another field), at
	/// least [`MIN_FOUNDING_HOSPITALS`] hospitals.
	pub fn check(&self) -> Result<Consortium, SpecError> {
		if self.name.trim().is_empty() {
			return Err(SpecError::InvalidChain("the chain's name is empty".into()));
		}
		if self.id.is_empty()
			|| !self.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
		{
			return Err(SpecError::InvalidChain(format!(
				"the chain's id {:?} must be lowercase letters, digits and underscores",
				self.id
			)));
		}
		let session_length = self.session_length.unwrap_or(DEFAULT_SESSION_LENGTH);
		if session_length == 0 {
			return Err(SpecError::InvalidChain("sessionLength must be above 0".into()));
		}
		if self.hospitals.len() < MIN_FOUNDING_HOSPITALS {
			return Err(SpecError::TooFewHospitals { given: self.hospitals.len() });
		}
		let max = healthchain_runtime::MAX_HOSPITALS as usize;
		if self.hospitals.len() > max {
			return Err(SpecError::InvalidChain(format!(
				"{} hospitals: a consortium has at most {max}",
				self.hospitals.len()
			)));
		}

		let mut hospitals = Vec::with_capacity(self.hospitals.len());
		// Every account and key byte string seen so far, with where: a key reused as another
		// field (an account that is also an attestor, an Aura key reused as `infr`) is refused
		// as well.
		let mut seen: Vec<(Vec<u8>, &'static str, usize)> = Vec::new();
		let mut names = BTreeSet::new();
		let mut peers: Vec<(PeerId, usize)> = Vec::new();
		for (index, entry) in self.hospitals.iter().enumerate() {
			let position = index + 1;
			let invalid = |field: &'static str, reason: String| SpecError::InvalidField {
				entry: position,
				hospital: entry.name.clone(),
				field,
				reason,
			};
			let name = entry.name.trim();
			if name.is_empty() {
				return Err(invalid("name", "empty".into()));
			}
			if name.len() > 64 {
				return Err(invalid("name", "longer than 64 bytes".into()));
			}
			if !names.insert(name.to_lowercase()) {
				let first = self.hospitals[..index]
					.iter()
					.position(|other| other.name.trim().to_lowercase() == name.to_lowercase())
					.map_or(0, |i| i + 1);
				return Err(SpecError::Duplicate {
					entry: position,
					hospital: entry.name.clone(),
					field: "name",
					first,
				});
			}
			let account = AccountId::from_ss58check(&entry.account)
				.map_err(|e| invalid("account", format!("not an SS58 account: {e:?}")))?;
			let attestor = AccountId::from_ss58check(&entry.attestor)
				.map_err(|e| invalid("attestor", format!("not an SS58 account: {e:?}")))?;
			let aura = sr25519_key(&entry.session_keys.aura)
				.map_err(|reason| invalid("sessionKeys.aura", reason))?;
			let grandpa = ed25519_key(&entry.session_keys.grandpa)
				.map_err(|reason| invalid("sessionKeys.grandpa", reason))?;
			let infr = sr25519_key(&entry.session_keys.infr)
				.map_err(|reason| invalid("sessionKeys.infr", reason))?;
			let peer_id = PeerId::from_str(&entry.peer_id)
				.map_err(|e| invalid("peerId", format!("not a libp2p peer id: {e}")))?;
			let bootnode = match &entry.bootnode {
				None => None,
				Some(address) => {
					let with_peer = format!("{}/p2p/{}", address.trim_end_matches('/'), peer_id);
					Some(
						MultiaddrWithPeerId::from_str(&with_peer)
							.map_err(|e| invalid("bootnode", format!("{address}: {e}")))?,
					)
				},
			};

			let fields: [(&'static str, Vec<u8>); 5] = [
				("account", AsRef::<[u8]>::as_ref(&account).to_vec()),
				("attestor", AsRef::<[u8]>::as_ref(&attestor).to_vec()),
				("sessionKeys.aura", aura.to_raw_vec()),
				("sessionKeys.grandpa", grandpa.to_raw_vec()),
				("sessionKeys.infr", infr.to_raw_vec()),
			];
			for (field, bytes) in fields {
				// A hospital's attestor account may be the account of its own `infr` session
				// key (the simplest setup: one key); every other reuse is refused.
				let own_attestor = |other_field: &str, at: usize| {
					field == "sessionKeys.infr" && other_field == "attestor" && at == position
				};
				if let Some((_, _, first)) = seen.iter().find(|(other, other_field, at)| {
					*other == bytes && !own_attestor(other_field, *at)
				}) {
					return Err(SpecError::Duplicate {
						entry: position,
						hospital: entry.name.clone(),
						field,
						first: *first,
					});
				}
				seen.push((bytes, field, position));
			}
			if let Some((_, first)) = peers.iter().find(|(other, _)| *other == peer_id) {
				return Err(SpecError::Duplicate {
					entry: position,
					hospital: entry.name.clone(),
					field: "peerId",
					first: *first,
				});
			}
			peers.push((peer_id, position));
			if let Some(well_known) = well_known_key(&account, &attestor, &aura, &grandpa, &infr) {
				return Err(invalid(
					well_known,
					"a public development key (//Alice …): generate the hospital's own keys".into(),
				));
			}

			hospitals.push(FoundingHospital {
				name: name.to_string(),
				account,
				attestor,
				aura,
				grandpa,
				infr,
				bootnode,
			});
		}
		Ok(Consortium {
			name: self.name.trim().to_string(),
			id: self.id.clone(),
			session_length,
			hospitals,
		})
	}
}

/// Which field holds a well-known development key, if one does.
fn well_known_key(
	account: &AccountId,
	attestor: &AccountId,
	aura: &sr25519::Public,
	grandpa: &ed25519::Public,
	infr: &sr25519::Public,
) -> Option<&'static str> {
	use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
	let sr_accounts: Vec<AccountId> = Sr25519Keyring::iter().map(|k| k.to_account_id()).collect();
	let ed_accounts: Vec<AccountId> = Ed25519Keyring::iter().map(|k| k.to_account_id()).collect();
	let dev_account = |who: &AccountId| sr_accounts.contains(who) || ed_accounts.contains(who);
	let sr_keys: Vec<sr25519::Public> = Sr25519Keyring::iter().map(|k| k.public()).collect();
	let ed_keys: Vec<ed25519::Public> = Ed25519Keyring::iter().map(|k| k.public()).collect();
	if dev_account(account) {
		Some("account")
	} else if dev_account(attestor) {
		Some("attestor")
	} else if sr_keys.contains(aura) {
		Some("sessionKeys.aura")
	} else if ed_keys.contains(grandpa) {
		Some("sessionKeys.grandpa")
	} else if sr_keys.contains(infr) {
		Some("sessionKeys.infr")
	} else {
		None
	}
}

/// An sr25519 public key from `0x` hex or SS58.
fn sr25519_key(text: &str) -> Result<sr25519::Public, String> {
	public_key(text).and_then(|bytes| {
		sr25519::Public::from_slice(&bytes).map_err(|_| "not a 32-byte key".to_string())
	})
}

/// An ed25519 public key from `0x` hex or SS58.
fn ed25519_key(text: &str) -> Result<ed25519::Public, String> {
	public_key(text).and_then(|bytes| {
		ed25519::Public::from_slice(&bytes).map_err(|_| "not a 32-byte key".to_string())
	})
}

/// The 32 bytes of a public key written as `0x` hex or SS58.
fn public_key(text: &str) -> Result<Vec<u8>, String> {
	if let Some(hex) = text.strip_prefix("0x") {
		let bytes = decode_hex(hex)?;
		if bytes.len() != 32 {
			return Err(format!("{} bytes, a public key has 32", bytes.len()));
		}
		Ok(bytes)
	} else {
		sr25519::Public::from_ss58check(text)
			.map(|key| key.to_raw_vec())
			.map_err(|e| format!("neither 0x-prefixed hex nor SS58: {e:?}"))
	}
}

/// Decodes hex digits (either case).
fn decode_hex(hex: &str) -> Result<Vec<u8>, String> {
	if !hex.len().is_multiple_of(2) {
		return Err("odd number of hex digits".into());
	}
	(0..hex.len())
		.step_by(2)
		.map(|i| {
			hex.get(i..i + 2)
				.and_then(|pair| u8::from_str_radix(pair, 16).ok())
				.ok_or_else(|| format!("not hex at position {i}"))
		})
		.collect()
}

/// The genesis patch of a checked consortium.
pub fn genesis_patch(consortium: &Consortium) -> Value {
	let mut balances = Vec::new();
	for hospital in &consortium.hospitals {
		balances.push(json!([hospital.account.to_ss58check(), GOVERNANCE_ENDOWMENT]));
		balances.push(json!([hospital.attestor.to_ss58check(), ATTESTOR_ENDOWMENT]));
	}
	let hospitals: Vec<Value> = consortium
		.hospitals
		.iter()
		.map(|hospital| {
			json!({
				"account": hospital.account.to_ss58check(),
				"name": hospital.name,
				"attestor": hospital.attestor.to_ss58check(),
				"roles": { "validator": true, "custodian": true, "attestor": true, "careProvider": true },
			})
		})
		.collect();
	let keys: Vec<Value> = consortium
		.hospitals
		.iter()
		.map(|hospital| {
			let account = hospital.account.to_ss58check();
			json!([account, account, {
				"aura": hospital.aura.to_ss58check(),
				"grandpa": hospital.grandpa.to_ss58check(),
				"inference": hospital.infr.to_ss58check(),
			}])
		})
		.collect();
	json!({
		"balances": { "balances": balances },
		"consortium": { "hospitals": hospitals, "sessionLength": consortium.session_length },
		"session": { "keys": keys },
	})
}

/// The chain spec of the hospital list: a live chain with the genesis patch of its hospitals.
pub fn build(file: &HospitalsFile) -> Result<crate::chain_spec::ChainSpec, String> {
	let consortium = file.check().map_err(|e| e.to_string())?;
	let boot_nodes = consortium.hospitals.iter().filter_map(|h| h.bootnode.clone()).collect();
	Ok(crate::chain_spec::ChainSpec::builder(crate::chain_spec::wasm_binary()?, None)
		.with_name(&consortium.name)
		.with_id(&consortium.id)
		.with_chain_type(ChainType::Live)
		.with_genesis_config_patch(genesis_patch(&consortium))
		.with_boot_nodes(boot_nodes)
		.with_properties(crate::chain_spec::properties())
		.build())
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::Pair;

	/// A hospital's public data, its keys derived from `seed` (never a development seed).
	fn hospital(name: &str, seed: &str) -> Value {
		let sr = |path: &str| {
			sr25519::Pair::from_string(&format!("//{seed}//{path}"), None)
				.expect("valid derivation")
				.public()
		};
		let ed = ed25519::Pair::from_string(&format!("//{seed}//grandpa"), None)
			.expect("valid derivation")
			.public();
		json!({
			"name": name,
			"account": AccountId::from(sr("governance")).to_ss58check(),
			"attestor": AccountId::from(sr("attestor")).to_ss58check(),
			"sessionKeys": {
				"aura": format!("0x{}", hex(&sr("aura").to_raw_vec())),
				"grandpa": format!("0x{}", hex(&ed.to_raw_vec())),
				"infr": sr("infr").to_ss58check(),
			},
			"peerId": PeerId::random().to_string(),
			"bootnode": format!("/dns/chain.{seed}.example/tcp/30333"),
		})
	}

	fn hex(bytes: &[u8]) -> String {
		bytes.iter().map(|b| format!("{b:02x}")).collect()
	}

	fn list(hospitals: Vec<Value>) -> Value {
		json!({ "name": "Example Health", "id": "example_health", "sessionLength": 300, "hospitals": hospitals })
	}

	fn three() -> Vec<Value> {
		vec![
			hospital("St. Mary's Hospital", "stmarys"),
			hospital("General Hospital", "general"),
			hospital("Children's Hospital", "childrens"),
		]
	}

	fn refusal(value: Value) -> SpecError {
		HospitalsFile::parse(&value.to_string())
			.and_then(|file| file.check().map(|_| ()))
			.expect_err("the list is refused")
	}

	#[test]
	fn three_hospitals_make_a_spec_with_their_keys_and_nothing_else() {
		let hospitals = three();
		let file = HospitalsFile::parse(&list(hospitals.clone()).to_string()).expect("parses");
		let spec = build(&file).expect("builds");
		let json: Value = serde_json::from_str(&spec.as_json(false).expect("json")).expect("json");
		assert_eq!(json["chainType"], "Live");
		assert_eq!(json["id"], "example_health");
		assert_eq!(json["bootNodes"].as_array().map(Vec::len), Some(3));
		let patch = &json["genesis"]["runtimeGenesis"]["patch"];
		// No sudo key, no model, only the hospitals' accounts endowed.
		assert!(patch.get("sudo").is_none());
		assert!(patch.get("attestation").is_none());
		assert_eq!(patch["balances"]["balances"].as_array().map(Vec::len), Some(6));
		assert_eq!(patch["consortium"]["sessionLength"], 300);
		let founded = patch["consortium"]["hospitals"].as_array().expect("hospitals");
		let keys = patch["session"]["keys"].as_array().expect("session keys");
		assert_eq!(founded.len(), 3);
		for (given, (entry, key)) in hospitals.iter().zip(founded.iter().zip(keys)) {
			assert_eq!(entry["account"], given["account"]);
			assert_eq!(entry["attestor"], given["attestor"]);
			assert_eq!(entry["roles"]["validator"], true);
			assert_eq!(key[0], given["account"]);
			let aura = sr25519_key(given["sessionKeys"]["aura"].as_str().unwrap_or_default())
				.expect("aura");
			assert_eq!(key[2]["aura"], aura.to_ss58check());
			let infr = sr25519_key(given["sessionKeys"]["infr"].as_str().unwrap_or_default())
				.expect("infr");
			assert_eq!(key[2]["inference"], infr.to_ss58check());
		}
		// No well-known development account or key anywhere in the spec.
		let text = json.to_string();
		for dev in sp_keyring::Sr25519Keyring::iter() {
			assert!(!text.contains(&dev.to_account_id().to_ss58check()), "{dev:?} in the spec");
			assert!(!text.contains(&hex(dev.public().as_ref())), "{dev:?} key in the spec");
		}
		for dev in sp_keyring::Ed25519Keyring::iter() {
			assert!(!text.contains(&dev.public().to_ss58check()), "{dev:?} in the spec");
		}

		// The runtime accepts the genesis: the raw spec builds its storage, with no sudo key.
		let raw: Value =
			serde_json::from_str(&spec.as_json(true).expect("raw")).expect("raw spec is JSON");
		let top = raw["genesis"]["raw"]["top"].as_object().expect("raw storage");
		let sudo_key = format!(
			"0x{}",
			hex(&sp_io::hashing::twox_128(b"Sudo")) + &hex(&sp_io::hashing::twox_128(b"Key"))
		);
		assert!(!top.contains_key(&sudo_key), "the raw spec has a sudo key");
		let hospitals_prefix = format!(
			"0x{}",
			hex(&sp_io::hashing::twox_128(b"Consortium"))
				+ &hex(&sp_io::hashing::twox_128(b"Hospitals"))
		);
		assert_eq!(top.keys().filter(|k| k.starts_with(&hospitals_prefix)).count(), 3);
	}

	#[test]
	fn a_hospital_may_attest_with_its_own_infr_session_key() {
		let mut hospitals = three();
		let infr = sr25519_key(hospitals[1]["sessionKeys"]["infr"].as_str().unwrap_or_default())
			.expect("infr key");
		hospitals[1]["attestor"] = json!(AccountId::from(infr).to_ss58check());
		let file = HospitalsFile::parse(&list(hospitals.clone()).to_string()).expect("parses");
		let consortium = file.check().expect("one key for session and attestor is fine");
		assert_eq!(consortium.hospitals[1].attestor, AccountId::from(infr));
		// But not another hospital's.
		hospitals[2]["attestor"] = hospitals[1]["attestor"].clone();
		assert!(matches!(
			refusal(list(hospitals)),
			SpecError::Duplicate { entry: 3, field: "attestor", first: 2, .. }
		));
	}

	#[test]
	fn fewer_than_three_hospitals_are_refused() {
		let mut hospitals = three();
		hospitals.pop();
		assert_eq!(refusal(list(hospitals)), SpecError::TooFewHospitals { given: 2 });
	}

	#[test]
	fn a_repeated_key_names_the_entry_and_the_first_user() {
		let mut hospitals = three();
		hospitals[2]["sessionKeys"]["grandpa"] = hospitals[0]["sessionKeys"]["grandpa"].clone();
		let error = refusal(list(hospitals));
		assert_eq!(
			error,
			SpecError::Duplicate {
				entry: 3,
				hospital: "Children's Hospital".into(),
				field: "sessionKeys.grandpa",
				first: 1
			}
		);
		assert_eq!(
			error.to_string(),
			"hospital 3 (Children's Hospital): sessionKeys.grandpa is already used by hospital 1"
		);
	}

	#[test]
	fn an_account_reused_as_another_hospitals_attestor_is_refused() {
		let mut hospitals = three();
		hospitals[1]["attestor"] = hospitals[0]["account"].clone();
		assert!(matches!(
			refusal(list(hospitals)),
			SpecError::Duplicate { entry: 2, field: "attestor", first: 1, .. }
		));
	}

	#[test]
	fn repeated_names_and_peer_ids_are_refused() {
		let mut hospitals = three();
		hospitals[1]["name"] = json!("st. mary's hospital");
		assert!(matches!(
			refusal(list(hospitals)),
			SpecError::Duplicate { entry: 2, field: "name", first: 1, .. }
		));
		let mut hospitals = three();
		hospitals[2]["peerId"] = hospitals[1]["peerId"].clone();
		assert!(matches!(
			refusal(list(hospitals)),
			SpecError::Duplicate { entry: 3, field: "peerId", first: 2, .. }
		));
	}

	#[test]
	fn development_keys_are_refused() {
		let mut hospitals = three();
		hospitals[1]["account"] =
			json!(sp_keyring::Sr25519Keyring::Bob.to_account_id().to_ss58check());
		assert!(matches!(
			refusal(list(hospitals)),
			SpecError::InvalidField { entry: 2, field: "account", .. }
		));
		let mut hospitals = three();
		hospitals[0]["sessionKeys"]["grandpa"] =
			json!(sp_keyring::Ed25519Keyring::Alice.public().to_ss58check());
		assert!(matches!(
			refusal(list(hospitals)),
			SpecError::InvalidField { entry: 1, field: "sessionKeys.grandpa", .. }
		));
	}

	#[test]
	fn malformed_fields_say_which_field() {
		let mut hospitals = three();
		hospitals[0]["sessionKeys"]["aura"] = json!("0x1234");
		assert!(matches!(
			refusal(list(hospitals)),
			SpecError::InvalidField { entry: 1, field: "sessionKeys.aura", .. }
		));
		let mut hospitals = three();
		hospitals[2]["peerId"] = json!("not-a-peer");
		assert!(matches!(
			refusal(list(hospitals)),
			SpecError::InvalidField { entry: 3, field: "peerId", .. }
		));
		let mut hospitals = three();
		hospitals[1]["account"] = json!("5Nope");
		assert!(matches!(
			refusal(list(hospitals)),
			SpecError::InvalidField { entry: 2, field: "account", .. }
		));
		let mut value = list(three());
		value["hospitals"][0]["rolez"] = json!({});
		assert!(matches!(refusal(value), SpecError::Malformed(_)));
		let mut value = list(three());
		value["sessionLength"] = json!(0);
		assert!(matches!(refusal(value), SpecError::InvalidChain(_)));
	}
}
