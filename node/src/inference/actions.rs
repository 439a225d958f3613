//! The operations of the node's model and record stores, for the two admin front ends: the
//! `store` subcommand ([`super::store`]) and the unsafe `inference_*` RPC methods
//! ([`super::rpc`]). Each operation is implemented here once, with all its checks, so that
//! both accept and refuse the same requests with the same messages; the front ends only
//! differ in how bytes reach them (files, or hex and JSON text) and in how they answer.

use healthchain_engine::{Engine, StoreError};
use healthchain_inference_primitives::{ModelHash, RecordCommitment};
use sp_core::{bytes, crypto::Ss58Codec};

/// Why an operation was refused.
#[derive(Debug)]
pub enum ActionError {
	/// The request is malformed (a hash that is not 32 bytes of hex, an export that is not
	/// the record expected, …); the message says what is wrong.
	Input(String),
	/// The store refused the operation or failed.
	Store(StoreError),
}

impl From<StoreError> for ActionError {
	fn from(e: StoreError) -> Self {
		Self::Store(e)
	}
}

impl core::fmt::Display for ActionError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			Self::Input(message) => f.write_str(message),
			Self::Store(e) => write!(f, "{e}"),
		}
	}
}

/// A hash or commitment as both front ends show it: `0x` and 64 lowercase hex digits.
pub fn to_hex(hash: &[u8; 32]) -> String {
	bytes::to_hex(hash, false)
}

/// Parses a `0x`-prefixed 32-byte hex value (a commitment or a model hash).
pub fn parse_hash32(value: &str) -> Result<[u8; 32], ActionError> {
	let raw = bytes::from_hex(value)
		.map_err(|e| ActionError::Input(format!("`{value}` is not hex: {e}")))?;
	raw.try_into().map_err(|raw: Vec<u8>| {
		ActionError::Input(format!("`{value}` is {} bytes long; a hash is 32 bytes", raw.len()))
	})
}

/// Checks that `patient` is an SS58 account id.
pub fn check_patient(patient: &str) -> Result<(), ActionError> {
	sp_core::crypto::AccountId32::from_ss58check(patient)
		.map(|_| ())
		.map_err(|e| ActionError::Input(format!("`{patient}` is not an SS58 account id: {e:?}")))
}

/// Imports a FHIR R4 Bundle (JSON) for `patient` (SS58); returns its commitment.
pub fn import_record(
	engine: &Engine,
	patient: &str,
	bundle: &[u8],
) -> Result<RecordCommitment, ActionError> {
	check_patient(patient)?;
	Ok(engine.records().import(patient, bundle)?)
}

/// Imports an ONNX model with its card (JSON); returns the model hash.
pub fn import_model(engine: &Engine, onnx: &[u8], card: &[u8]) -> Result<ModelHash, ActionError> {
	Ok(engine.models().import(onnx, card)?)
}

/// Exports the record `commitment` (`0x…`), salt included, for another custodian.
pub fn export_record(engine: &Engine, commitment: &str) -> Result<Vec<u8>, ActionError> {
	let commitment = parse_hash32(commitment)?;
	Ok(engine.records().export(&commitment)?)
}

/// Imports a record exported by another custodian; returns its commitment. With `expect`
/// (`0x…`, e.g. the commitment anchored on chain), an export of any other record is refused
/// and nothing is written.
pub fn import_record_export(
	engine: &Engine,
	export: &[u8],
	expect: Option<&str>,
) -> Result<RecordCommitment, ActionError> {
	if let Some(expected) = expect {
		let expected = parse_hash32(expected)?;
		let actual = engine.records().check_export(export)?;
		if actual != expected {
			return Err(ActionError::Input(format!(
				"the export is record {}, not the expected {}; nothing was imported",
				to_hex(&actual),
				to_hex(&expected)
			)));
		}
	}
	Ok(engine.records().import_export(export)?)
}

/// Destroys the salt and bytes of the record `commitment` (`0x…`); `Ok(false)` if it was
/// not held here.
pub fn remove_record(engine: &Engine, commitment: &str) -> Result<bool, ActionError> {
	let commitment = parse_hash32(commitment)?;
	Ok(engine.records().remove(&commitment)?)
}

/// Removes the model `model` (`0x…`) and its card, and drops its cached plan; `Ok(false)` if
/// it was not held here.
pub fn remove_model(engine: &Engine, model: &str) -> Result<bool, ActionError> {
	let model = parse_hash32(model)?;
	Ok(engine.remove_model(&model)?)
}

/// The commitments of the records held here, sorted.
pub fn list_records(engine: &Engine) -> Result<Vec<RecordCommitment>, ActionError> {
	Ok(engine.records().list()?)
}

/// The hashes of the models held here, sorted.
pub fn list_models(engine: &Engine) -> Result<Vec<ModelHash>, ActionError> {
	Ok(engine.models().list()?)
}

#[cfg(test)]
mod tests {
	use super::*;
	use healthchain_engine::EngineConfig;

	const ALICE: &str = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY";
	const BUNDLE: &[u8] = include_bytes!("../../../models/examples/patient-1.bundle.json");

	/// An engine in a fresh directory, removed at the end of the test.
	struct TempEngine {
		engine: Engine,
		dir: std::path::PathBuf,
	}

	impl TempEngine {
		fn new(name: &str) -> Self {
			let dir = std::env::temp_dir()
				.join(format!("healthchain-actions-{name}-{}", std::process::id()));
			let _ = std::fs::remove_dir_all(&dir);
			let engine = Engine::open(&dir, EngineConfig::default()).expect("engine opens");
			Self { engine, dir }
		}
	}

	impl Drop for TempEngine {
		fn drop(&mut self) {
			let _ = std::fs::remove_dir_all(&self.dir);
		}
	}

	#[test]
	fn hashes_and_patients_are_checked() {
		assert!(parse_hash32("0x00").is_err());
		assert!(parse_hash32("zz").is_err());
		assert_eq!(parse_hash32(&format!("0x{}", "ab".repeat(32))).ok(), Some([0xab; 32]));
		assert!(check_patient("5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY").is_ok());
		assert!(check_patient("not-an-account").is_err());
	}

	#[test]
	fn an_export_is_imported_only_as_the_record_expected() {
		let (first, second) = (TempEngine::new("export-a"), TempEngine::new("export-b"));
		let commitment = import_record(&first.engine, ALICE, BUNDLE).expect("imported");
		let export = export_record(&first.engine, &to_hex(&commitment)).expect("exported");

		let other = format!("0x{}", "22".repeat(32));
		let refused = import_record_export(&second.engine, &export, Some(&other));
		assert!(
			matches!(&refused, Err(ActionError::Input(m)) if m.contains("not the expected")),
			"{refused:?}"
		);
		assert!(list_records(&second.engine).expect("listed").is_empty(), "nothing imported");

		let expected = to_hex(&commitment);
		let imported = import_record_export(&second.engine, &export, Some(&expected));
		assert_eq!(imported.ok(), Some(commitment));
		// Without an expectation, the export's own commitment is taken.
		assert_eq!(import_record_export(&second.engine, &export, None).ok(), Some(commitment));
	}
}
