//! Domain types of the records pallet: schemas, anchored records and their versions, batches,
//! erasure, access-log entries and the answers the queries give.

use crate::Config;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{
	pallet_prelude::{BoundedVec, Get},
	CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;

pub use healthchain_commitment::MerkleProof;
pub use healthchain_primitives::{
	AccessBasis, Commitment, ConsentId, DataClass, EmergencyAccessId, Hash32, Moment, Page,
	Purpose, RecordId, RecordStatus, RecordSummary, VersionNumber,
};

/// Identifier of a batch of records anchored under one Merkle root, assigned in increasing
/// order.
pub type BatchId = u64;

/// Position of an entry in a patient's access log: `0` is the first disclosure ever logged for
/// the patient, and positions are never reused (compaction keeps counting).
pub type AccessSeq = u64;

/// The format of the off-chain document a commitment is about: tells a verifier how to
/// canonicalize the bytes before recomputing `blake2_256(salt ++ canonical_bytes)`.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(MaxLen))]
#[codec(mel_bound())]
pub enum Schema<MaxLen: Get<u32>> {
	/// An HL7 FHIR R4 `Bundle` in JSON, canonicalized as `healthchain-commitment` specifies.
	FhirR4Bundle,
	/// A single HL7 FHIR R4 resource in JSON, canonicalized as `healthchain-commitment`
	/// specifies.
	FhirR4Resource,
	/// A DICOM study manifest: the list of a study's SOP instance UIDs with the hashes of their
	/// files (the pixel data stays in the hospital's PACS).
	DicomStudyManifest,
	/// An HL7 v2 message, its bytes as received.
	Hl7V2Message,
	/// An HL7 CDA R2 document, its bytes as stored.
	CdaR2Document,
	/// Another format, named by a short code agreed in the consortium (for example
	/// `openEHR-composition`): 1 to `MaxSchemaLen` characters from `A-Z a-z 0-9 . _ - : /`,
	/// so that no free text (and no health information) can be put here.
	Other(BoundedVec<u8, MaxLen>),
}

impl<MaxLen: Get<u32>> Schema<MaxLen> {
	/// Whether the schema is well formed: an `Other` code is non-empty and uses only the
	/// characters allowed in a code.
	pub fn is_valid(&self) -> bool {
		match self {
			Schema::Other(code) => {
				!code.is_empty()
					&& code.iter().all(|c| {
						c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-' | b':' | b'/')
					})
			},
			_ => true,
		}
	}
}

/// Why a custodian amended a record (a code, never free text).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum AmendmentReason {
	/// An error in the previous version was corrected (FHIR status `corrected`).
	Correction,
	/// Information was added to the previous version (FHIR status `amended`, an addendum).
	Addendum,
	/// The record was brought up to date: a final result replaces a preliminary one, new
	/// results were appended.
	Update,
	/// The same content in another encoding (a migration to a new canonical form or schema
	/// version); nothing clinical changed.
	Reformat,
	/// Another reason, documented off chain.
	Other,
}

/// Why a record was erased (a code, never free text).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum ErasureReason {
	/// The patient exercised the right to erasure (GDPR art. 17).
	PatientRequest,
	/// The legal retention period of the record is over.
	RetentionPeriodEnded,
	/// The record was created in error (wrong patient, duplicate; FHIR `entered-in-error`).
	EnteredInError,
	/// A court or a supervisory authority ordered the erasure.
	LegalOrder,
	/// Another reason, documented off chain.
	Other,
}

/// Who erased a record, why and when.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct Erasure<AccountId, BlockNumber> {
	/// The account that erased it: the record's custodian or its patient.
	pub by: AccountId,
	/// The reason code given.
	pub reason: ErasureReason,
	/// The block in which the record was erased.
	pub at: BlockNumber,
	/// The time of that block, in milliseconds since the Unix epoch.
	pub time: Moment,
}

/// An anchored record as stored: who holds it, whose it is, what it is, and its current
/// version. Earlier versions are in `RecordVersions`.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Record<T: Config> {
	/// The patient the record is about (FHIR `subject`).
	pub patient: T::AccountId,
	/// The hospital that holds the record and anchored it; only it may amend it or log its
	/// disclosures. Kept when the hospital leaves the consortium.
	pub custodian: T::AccountId,
	/// The class of clinical data the record holds, as consents name it (`All` for a record
	/// of mixed content).
	pub data_class: DataClass,
	/// The format of the document.
	pub schema: Schema<T::MaxSchemaLen>,
	/// The commitment of the current (newest) version.
	pub commitment: Commitment,
	/// The number of the current version (`0`: never amended).
	pub version: VersionNumber,
	/// The block in which the original version was anchored.
	pub anchored_at: BlockNumberFor<T>,
	/// The time of that block, in milliseconds since the Unix epoch.
	pub anchored_time: Moment,
	/// Set once the record is erased; an erased record cannot be amended or disclosed.
	pub erasure: Option<Erasure<T::AccountId, BlockNumberFor<T>>>,
}

impl<T: Config> Record<T> {
	/// Whether the record has been erased.
	pub fn is_erased(&self) -> bool {
		self.erasure.is_some()
	}

	/// What other pallets need to know about the record (see [`healthchain_primitives::RecordLookup`]).
	pub fn summary(&self) -> RecordSummary<T::AccountId> {
		RecordSummary {
			patient: self.patient.clone(),
			custodian: self.custodian.clone(),
			commitment: self.commitment,
			version: self.version,
			data_class: self.data_class,
			status: self.status(),
		}
	}

	/// The status of the current version: `Current`, or `Erased`.
	pub fn status(&self) -> RecordStatus {
		if self.is_erased() {
			RecordStatus::Erased
		} else {
			RecordStatus::Current
		}
	}

	/// The status of version `version` of this record.
	pub fn status_of_version(&self, version: VersionNumber) -> RecordStatus {
		if self.is_erased() {
			RecordStatus::Erased
		} else if version == self.version {
			RecordStatus::Current
		} else {
			RecordStatus::Superseded
		}
	}
}

/// One version of a record: the commitment and when it was anchored.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct RecordVersion<BlockNumber> {
	/// The commitment `blake2_256(salt ++ canonical_bytes)` of this version.
	pub commitment: Commitment,
	/// The block in which this version was anchored.
	pub anchored_at: BlockNumber,
	/// The time of that block, in milliseconds since the Unix epoch.
	pub anchored_time: Moment,
	/// Why this version replaced the previous one; `None` for the original (version 0).
	pub amendment: Option<AmendmentReason>,
}

/// Many records anchored at once under one Merkle root (the scheme of
/// `healthchain-commitment`: the leaves are the records' commitments in export order).
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Batch<T: Config> {
	/// The hospital that holds the records and anchored the batch.
	pub custodian: T::AccountId,
	/// The patient every record of the batch is about, when the batch is one patient's;
	/// `None` for an export across patients.
	pub patient: Option<T::AccountId>,
	/// The Merkle root over the commitments.
	pub root: Hash32,
	/// The number of commitments (leaves) under the root; the root alone does not commit to
	/// it.
	pub leaf_count: u32,
	/// The class of clinical data of the batch's records (`All` for mixed content).
	pub data_class: DataClass,
	/// The format of the batch's documents.
	pub schema: Schema<T::MaxSchemaLen>,
	/// The block in which the batch was anchored.
	pub anchored_at: BlockNumberFor<T>,
	/// The time of that block, in milliseconds since the Unix epoch.
	pub anchored_time: Moment,
}

/// What an anchored 32-byte value is: one version of a record, or the root of a batch.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum Anchor {
	/// Version `version` of record `record_id`.
	Record {
		/// The record.
		record_id: RecordId,
		/// The version of the record with this commitment.
		version: VersionNumber,
	},
	/// The Merkle root of a batch.
	Batch(BatchId),
}

/// The answer to "is `commitment` a version of record `record_id`, and which?"
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum Verification {
	/// It is the newest version of the record, which is not erased.
	Current,
	/// It is an older version of the record; a newer one replaced it.
	Superseded,
	/// It is a version of the record, and the record has been erased.
	Erased,
	/// The record does not exist, or the commitment is none of its versions.
	Unknown,
}

impl From<Option<RecordStatus>> for Verification {
	fn from(status: Option<RecordStatus>) -> Self {
		match status {
			Some(RecordStatus::Current) => Verification::Current,
			Some(RecordStatus::Superseded) => Verification::Superseded,
			Some(RecordStatus::Erased) => Verification::Erased,
			None => Verification::Unknown,
		}
	}
}

/// On what grounds a custodian disclosed a record (the outcome of the check, FHIR
/// `AuditEvent.outcome` and `.authorization`).
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum DisclosureBasis {
	/// This active consent of the patient permits it.
	Consent(ConsentId),
	/// This open break-glass access permits it (emergency treatment only).
	EmergencyAccess(EmergencyAccessId),
	/// The patient received their own record (right of access): no consent needed.
	PatientRequest,
}

impl From<AccessBasis> for DisclosureBasis {
	fn from(basis: AccessBasis) -> Self {
		match basis {
			AccessBasis::Consent(id) => DisclosureBasis::Consent(id),
			AccessBasis::EmergencyAccess(id) => DisclosureBasis::EmergencyAccess(id),
		}
	}
}

/// One disclosure of a record, modelled on FHIR `AuditEvent`: who (`accessor`, `custodian`),
/// what (`record_id`, `version`), why (`purpose`), when (`at`, `time`) and on what grounds
/// (`basis`). The patient is the key of the log it is in.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct AccessEntry<AccountId, BlockNumber> {
	/// The record disclosed.
	pub record_id: RecordId,
	/// The version of the record that was current when it was disclosed.
	pub version: VersionNumber,
	/// The hospital that disclosed it (FHIR `AuditEvent.source`).
	pub custodian: AccountId,
	/// Who received it (FHIR `AuditEvent.agent`): a clinician, a hospital, a researcher, the
	/// patient.
	pub accessor: AccountId,
	/// The purpose of use (FHIR `AuditEvent.purposeOfEvent`).
	pub purpose: Purpose,
	/// The consent or break-glass access that permitted it.
	pub basis: DisclosureBasis,
	/// The block in which the disclosure was logged.
	pub at: BlockNumber,
	/// The time of that block, in milliseconds since the Unix epoch.
	pub time: Moment,
}

/// Where a patient's access log stands: how many entries were ever logged and the digest of
/// those rolled out of storage.
///
/// Entries `folded..next` are in storage; entries `0..folded` were compacted into `digest`:
/// `digest_0 = [0; 32]`, `digest_{k+1} = blake2_256(digest_k ++ SCALE(entry_k))`, entry `k`
/// being exactly the `entry` of the `AccessLogged` event with `seq = k`.
#[derive(Encode, Decode, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct AccessLog<BlockNumber> {
	/// The position the next entry will get: the number of entries ever logged.
	pub next: AccessSeq,
	/// The number of entries rolled into `digest` (the oldest ones, `0..folded`).
	pub folded: AccessSeq,
	/// The hash chain over the rolled-up entries (`[0; 32]` while none is).
	pub digest: Hash32,
	/// The block of the newest entry rolled into the digest (`None` while none is).
	pub last_folded_at: Option<BlockNumber>,
}

impl<BlockNumber> AccessLog<BlockNumber> {
	/// Number of entries in storage.
	pub fn kept(&self) -> u64 {
		self.next.saturating_sub(self.folded)
	}
}
