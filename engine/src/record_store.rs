//! The record store: FHIR Bundles held at the hospital, each with the salt of its on-chain
//! commitment.
//!
//! Layout, in the store's directory (e.g. `<base>/records/`): one file per record,
//! `<hex>.record`, where `<hex>` is the record's commitment in lowercase hex, holding
//!
//! ```text
//! offset 0            "healthchain-record/1\n"          (21 bytes, the format tag)
//! offset 21           salt                              (32 bytes)
//! offset 53           patient length P                  (u16, little endian)
//! offset 55           patient: SS58 account, UTF-8      (P bytes)
//! offset 55 + P       canonical bytes of the Bundle     (to the end of the file)
//! ```
//!
//! and `commitment = blake2_256(salt ++ canonical_bytes)`. Files are written atomically
//! (temporary file, fsync, rename, fsync of the directory), so a crash leaves either no file or
//! the whole file; files whose name starts with `.tmp-` are ignored, and removed when stale.
//! The salt leaves this module only inside an export for another custodian
//! ([`RecordStore::export`]): [`RecordStore::read`] re-computes the commitment itself and
//! returns the verified record without it.

use crate::{fsio, StoreError};
use healthchain_commitment::{canonicalize_json, commit, try_draw_salt, Salt, SALT_LEN};
use healthchain_inference_primitives::{InferenceFailure, RecordCommitment};
use serde::Deserialize;
use sp_core::crypto::{AccountId32, Ss58Codec};
use std::{
	fs, io,
	path::{Path, PathBuf},
};

/// The tag a record file starts with; a new layout would get a new tag.
pub const RECORD_FORMAT_TAG: &[u8] = b"healthchain-record/1\n";

/// The longest patient account string accepted (SS58 addresses are at most 50 characters).
pub const MAX_PATIENT_LEN: usize = 128;

const RECORD_SUFFIX: &str = ".record";
const HEADER_LEN: usize = RECORD_FORMAT_TAG.len() + SALT_LEN + 2;

/// A record read back from the store and verified against its commitment.
#[derive(Clone, PartialEq, Eq)]
pub struct Record {
	commitment: RecordCommitment,
	patient: String,
	canonical_bytes: Vec<u8>,
}

impl Record {
	/// The record's commitment.
	pub fn commitment(&self) -> &RecordCommitment {
		&self.commitment
	}

	/// The patient's SS58 account, as given at import.
	pub fn patient(&self) -> &str {
		&self.patient
	}

	/// The record's canonical JSON bytes (a FHIR Bundle).
	pub fn canonical_bytes(&self) -> &[u8] {
		&self.canonical_bytes
	}

	/// Takes the canonical bytes out of the record.
	pub fn into_canonical_bytes(self) -> Vec<u8> {
		self.canonical_bytes
	}
}

/// Shows the commitment, patient and size only: health data must not reach logs.
impl core::fmt::Debug for Record {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		f.debug_struct("Record")
			.field("commitment", &fsio::to_hex(&self.commitment))
			.field("patient", &self.patient)
			.field("canonical_len", &self.canonical_bytes.len())
			.finish()
	}
}

/// The record store; see the module docs for the layout.
#[derive(Clone, Debug)]
pub struct RecordStore {
	dir: PathBuf,
	max_record_bytes: u64,
}

/// Just enough of a FHIR resource to tell a Bundle; other members are skipped unparsed.
#[derive(Deserialize)]
struct ResourceHead {
	#[serde(rename = "resourceType")]
	resource_type: Option<String>,
}

impl RecordStore {
	/// Opens (creating it if needed) the record store in `dir`, refusing records larger than
	/// `max_record_bytes` (as imported, before canonicalization). Temporary files left by a
	/// crash are overwritten and removed.
	pub fn open(dir: impl Into<PathBuf>, max_record_bytes: u64) -> Result<Self, StoreError> {
		let dir = dir.into();
		fsio::create_private_dir(&dir)?;
		fsio::remove_stale_temp_files(&dir, fsio::STALE_TEMP_AGE)?;
		Ok(Self { dir, max_record_bytes })
	}

	/// The store's directory.
	pub fn dir(&self) -> &Path {
		&self.dir
	}

	/// The path of a record's file (which may not exist).
	pub fn record_path(&self, commitment: &RecordCommitment) -> PathBuf {
		self.dir.join(format!("{}{RECORD_SUFFIX}", fsio::to_hex(commitment)))
	}

	/// Imports a FHIR Bundle for `patient` (an SS58 account address, kept as metadata) and
	/// returns its commitment, to be anchored on chain.
	///
	/// The Bundle is canonicalized (`healthchain-commitment`), a fresh salt is drawn from the
	/// operating system and `blake2_256(salt ++ canonical_bytes)` is the commitment; salt,
	/// patient and bytes are written in one file, atomically. Idempotent: if the store already
	/// holds the same canonical Bundle for the same patient, its commitment is returned and
	/// nothing is written (finding it costs one `stat` per stored record and a read of those
	/// with the same size).
	pub fn import(
		&self,
		patient: &str,
		bundle_json: &[u8],
	) -> Result<RecordCommitment, StoreError> {
		let size = bundle_json.len() as u64;
		if size > self.max_record_bytes {
			return Err(StoreError::TooLarge { size, limit: self.max_record_bytes });
		}
		check_patient(patient)?;
		let canonical = canonicalize_json(bundle_json).map_err(StoreError::InvalidRecord)?;
		check_bundle(&canonical)?;
		if let Some(existing) = self.find(patient, &canonical)? {
			return Ok(existing);
		}
		let salt = try_draw_salt().map_err(StoreError::Salt)?;
		let commitment = commit(&salt, &canonical);
		let file = encode_record(&salt, patient, &canonical);
		fsio::write_atomic(
			&self.dir,
			&format!("{}{RECORD_SUFFIX}", fsio::to_hex(&commitment)),
			&file,
		)?;
		log::info!(target: "healthchain-engine", "record {} imported", fsio::to_hex(&commitment));
		Ok(commitment)
	}

	/// Reads a record and re-computes its commitment from the stored salt and bytes:
	/// `RecordNotFound`, `TooLarge` (over the size limit), `CorruptRecord` (not a record file)
	/// or `CommitmentMismatch` (the salt or bytes were altered).
	pub fn read(&self, commitment: &RecordCommitment) -> Result<Record, StoreError> {
		let file = self.read_verified_file(commitment)?;
		let (_, patient, canonical) = decode_record(&file)?;
		Ok(Record {
			commitment: *commitment,
			patient: patient.to_owned(),
			canonical_bytes: canonical.to_vec(),
		})
	}

	/// Exports a record for another custodian that is to hold the same record: the record
	/// file (format tag, salt, patient, canonical bytes; see the module docs), verified
	/// against its commitment first, with the same errors as [`RecordStore::read`].
	///
	/// The export holds the salt and the health data. It must travel only over a channel the
	/// two hospitals trust for patient data, and be destroyed once imported: whoever holds it
	/// can link the on-chain commitment to its content.
	pub fn export(&self, commitment: &RecordCommitment) -> Result<Vec<u8>, StoreError> {
		self.read_verified_file(commitment)
	}

	/// Imports a record exported by another custodian ([`RecordStore::export`]) and returns
	/// its commitment, which is the exporter's: the salt travels with the record, so both
	/// hospitals hold a record under the one commitment anchored on chain, and both nodes can
	/// attest inferences on it.
	///
	/// Refused unless the export is well formed (`CorruptRecord`), its patient is an SS58
	/// address (`InvalidPatient`), its bytes are a FHIR Bundle (`InvalidRecord`, `NotABundle`)
	/// in canonical form (`CorruptRecord`: a record that was altered after export would
	/// commit to something else), and within the size limit (`TooLarge`). Idempotent:
	/// importing an export whose commitment the store already holds writes nothing.
	pub fn import_export(&self, export: &[u8]) -> Result<RecordCommitment, StoreError> {
		let commitment = self.check_export(export)?;
		if self.read_verified_file(&commitment).is_ok() {
			return Ok(commitment);
		}
		fsio::write_atomic(
			&self.dir,
			&format!("{}{RECORD_SUFFIX}", fsio::to_hex(&commitment)),
			export,
		)?;
		log::info!(
			target: "healthchain-engine",
			"record {} imported from another custodian's export",
			fsio::to_hex(&commitment)
		);
		Ok(commitment)
	}

	/// Checks an export as [`RecordStore::import_export`] does, without writing anything, and
	/// returns the commitment it would be stored under (to compare with the one anchored).
	pub fn check_export(&self, export: &[u8]) -> Result<RecordCommitment, StoreError> {
		let limit = self.max_record_bytes + (HEADER_LEN + MAX_PATIENT_LEN) as u64;
		if export.len() as u64 > limit {
			return Err(StoreError::TooLarge { size: export.len() as u64, limit });
		}
		let (salt, patient, canonical) = decode_record(export)?;
		if canonical.len() as u64 > self.max_record_bytes {
			return Err(StoreError::TooLarge {
				size: canonical.len() as u64,
				limit: self.max_record_bytes,
			});
		}
		check_patient(patient)?;
		let recanonical = canonicalize_json(canonical).map_err(StoreError::InvalidRecord)?;
		if recanonical != canonical {
			return Err(StoreError::CorruptRecord(
				"the record bytes are not in canonical form".into(),
			));
		}
		check_bundle(canonical)?;
		Ok(commit(&salt, canonical))
	}

	/// The record file of `commitment`, checked to be well formed, within the size limit and
	/// to reproduce its commitment.
	fn read_verified_file(&self, commitment: &RecordCommitment) -> Result<Vec<u8>, StoreError> {
		let limit = self.max_record_bytes + (HEADER_LEN + MAX_PATIENT_LEN) as u64;
		let file = match fsio::read_limited(&self.record_path(commitment), limit) {
			Ok(Ok(bytes)) => bytes,
			Ok(Err(size)) => return Err(StoreError::TooLarge { size, limit }),
			Err(e) if e.kind() == io::ErrorKind::NotFound => {
				return Err(StoreError::RecordNotFound)
			},
			Err(e) => return Err(e.into()),
		};
		let (salt, _, canonical) = decode_record(&file)?;
		if canonical.len() as u64 > self.max_record_bytes {
			return Err(StoreError::TooLarge {
				size: canonical.len() as u64,
				limit: self.max_record_bytes,
			});
		}
		if commit(&salt, canonical) != *commitment {
			return Err(StoreError::CommitmentMismatch);
		}
		Ok(file)
	}

	/// Decides whether this node holds the record `commitment`: `Err(RecordNotHeld)` unless a
	/// record file with this commitment is in the store (it is not verified here: a file that
	/// does not reproduce its commitment is `RecordCommitmentMismatch` when it is read). This
	/// is the one place that decides it; the engine in process and the isolated engine both
	/// ask it first, before any model is looked at, so that a node never speaks about a
	/// record that is not its own.
	pub fn check_held(&self, commitment: &RecordCommitment) -> Result<(), InferenceFailure> {
		if self.record_path(commitment).is_file() {
			Ok(())
		} else {
			Err(InferenceFailure::RecordNotHeld)
		}
	}

	/// Whether a record file with this commitment is in the store (not verified; see
	/// [`RecordStore::check_held`]).
	pub fn contains(&self, commitment: &RecordCommitment) -> bool {
		self.check_held(commitment).is_ok()
	}

	/// The commitments of the stored records, sorted.
	pub fn list(&self) -> Result<Vec<RecordCommitment>, StoreError> {
		Ok(fsio::list_hex_names(&self.dir, RECORD_SUFFIX)?)
	}

	/// Destroys a record: its file (salt, patient and bytes) is overwritten with zeros,
	/// flushed, unlinked, and the directory flushed. `Ok(false)` if it was not held.
	///
	/// This is the crypto-shredding half of erasure: without the salt, the commitment that
	/// stays on chain can no longer be linked to any content, not even by someone who guesses
	/// the record. (Copies outside the store, such as backups, must be erased by their own
	/// means; on copy-on-write or flash storage the overwrite is best effort.)
	pub fn remove(&self, commitment: &RecordCommitment) -> Result<bool, StoreError> {
		let removed = fsio::overwrite_and_remove(&self.record_path(commitment))?;
		if removed {
			log::info!(target: "healthchain-engine", "record {} destroyed", fsio::to_hex(commitment));
		}
		Ok(removed)
	}

	/// The commitment of a stored record holding exactly `canonical` for `patient`, if any.
	fn find(
		&self,
		patient: &str,
		canonical: &[u8],
	) -> Result<Option<RecordCommitment>, StoreError> {
		let size = (HEADER_LEN + patient.len() + canonical.len()) as u64;
		for commitment in self.list()? {
			let path = self.record_path(&commitment);
			match fs::metadata(&path) {
				Ok(meta) if meta.len() == size => {},
				_ => continue,
			}
			let Ok(record) = self.read(&commitment) else { continue };
			if record.patient == patient && record.canonical_bytes == canonical {
				return Ok(Some(commitment));
			}
		}
		Ok(None)
	}
}

/// Accepts JSON whose `resourceType` is `Bundle`.
fn check_bundle(json: &[u8]) -> Result<(), StoreError> {
	let head: ResourceHead = serde_json::from_slice(json).map_err(|_| StoreError::NotABundle)?;
	if head.resource_type.as_deref() != Some("Bundle") {
		return Err(StoreError::NotABundle);
	}
	Ok(())
}

/// Accepts an SS58 account address of any network prefix.
fn check_patient(patient: &str) -> Result<(), StoreError> {
	if patient.len() > MAX_PATIENT_LEN {
		return Err(StoreError::InvalidPatient(format!(
			"{} characters, more than {MAX_PATIENT_LEN}",
			patient.len()
		)));
	}
	AccountId32::from_ss58check_with_version(patient)
		.map(|_| ())
		.map_err(|e| StoreError::InvalidPatient(format!("{patient:?} is not an SS58 address: {e}")))
}

fn encode_record(salt: &Salt, patient: &str, canonical: &[u8]) -> Vec<u8> {
	let mut file = Vec::with_capacity(HEADER_LEN + patient.len() + canonical.len());
	file.extend_from_slice(RECORD_FORMAT_TAG);
	file.extend_from_slice(salt);
	file.extend_from_slice(&(patient.len() as u16).to_le_bytes());
	file.extend_from_slice(patient.as_bytes());
	file.extend_from_slice(canonical);
	file
}

fn decode_record(file: &[u8]) -> Result<(Salt, &str, &[u8]), StoreError> {
	let corrupt = |why: &str| StoreError::CorruptRecord(why.to_owned());
	let rest = file.strip_prefix(RECORD_FORMAT_TAG).ok_or_else(|| corrupt("no format tag"))?;
	if rest.len() < SALT_LEN + 2 {
		return Err(corrupt("truncated header"));
	}
	let (salt, rest) = rest.split_at(SALT_LEN);
	let (len, rest) = rest.split_at(2);
	let len = u16::from_le_bytes([len[0], len[1]]) as usize;
	if len > MAX_PATIENT_LEN || rest.len() < len {
		return Err(corrupt("bad patient length"));
	}
	let (patient, canonical) = rest.split_at(len);
	let patient = core::str::from_utf8(patient).map_err(|_| corrupt("patient is not UTF-8"))?;
	let mut salt_bytes = [0u8; SALT_LEN];
	salt_bytes.copy_from_slice(salt);
	Ok((salt_bytes, patient, canonical))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn record_files_decode_what_they_encode() {
		let salt = [9u8; SALT_LEN];
		let file = encode_record(&salt, "5Grw", b"{\"a\":1}");
		assert_eq!(&file[..21], RECORD_FORMAT_TAG);
		assert_eq!(file.len(), HEADER_LEN + 4 + 7);
		let (s, p, c) = decode_record(&file).unwrap();
		assert_eq!((s, p, c), (salt, "5Grw", &b"{\"a\":1}"[..]));
	}

	#[test]
	fn truncated_record_files_are_corrupt_not_a_panic() {
		let file = encode_record(&[1; SALT_LEN], "5Grw", b"{}");
		for len in 0..HEADER_LEN + 4 {
			assert!(matches!(decode_record(&file[..len]), Err(StoreError::CorruptRecord(_))));
		}
	}
}
