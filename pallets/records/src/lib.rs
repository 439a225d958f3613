#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

mod access_log;
mod anchors;
mod batches;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
mod queries;
pub mod runtime_api;
mod sharing;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;

pub use healthchain_primitives::RecordLookup;
pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::{SortedMembers, UnixTime};
use frame_system::pallet_prelude::BlockNumberFor;
use healthchain_primitives::{ConsentCheck, DenialReason, OnRecordChange};

/// A stored record of runtime `T`.
pub type RecordOf<T> = Record<T>;
/// A version of a record of runtime `T`.
pub type RecordVersionOf<T> = RecordVersion<BlockNumberFor<T>>;
/// A stored batch of runtime `T`.
pub type BatchOf<T> = Batch<T>;
/// The schema (document format) type of runtime `T`.
pub type SchemaOf<T> = Schema<<T as Config>::MaxSchemaLen>;
/// An access-log entry of runtime `T`.
pub type AccessEntryOf<T> = AccessEntry<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
/// The state of a patient's access log of runtime `T`.
pub type AccessLogOf<T> = AccessLog<BlockNumberFor<T>>;
/// An erasure of runtime `T`.
pub type ErasureOf<T> = Erasure<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	/// The records pallet.
	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the records pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who may anchor, amend and log disclosures: a registered custodian (a consortium
		/// hospital). Returns the custodian's account; e.g. `EnsureSignedBy<Custodians,
		/// AccountId>` over a membership that governance manages.
		type CustodianOrigin: EnsureOrigin<Self::RuntimeOrigin, Success = Self::AccountId>;

		/// The registered custodians: the hospitals a record may be shared with (the members
		/// `CustodianOrigin` accepts).
		type Custodians: SortedMembers<Self::AccountId>;

		/// The consent check a disclosure must pass (`pallet_consent::Pallet<Runtime>`).
		type ConsentCheck: ConsentCheck<Self::AccountId, BlockNumberFor<Self>>;

		/// Told in the same call when a record is erased or amended: in the healthchain runtime,
		/// the attestation pallet, which cancels the open inference requests on the record.
		type OnRecordChange: OnRecordChange<Self::AccountId>;

		/// Wall-clock time, stored next to the block number of every anchor, erasure and
		/// disclosure (`pallet_timestamp::Pallet<Runtime>`).
		type Time: UnixTime;

		/// Longest `Schema::Other` code, in bytes.
		#[pallet::constant]
		type MaxSchemaLen: Get<u32>;

		/// Most versions a record may have (the original included). At the bound,
		/// `amend_record` fails with `TooManyVersions`: anchor the document as a new record.
		#[pallet::constant]
		type MaxVersions: Get<u32>;

		/// Most commitments (leaves) one batch may anchor.
		#[pallet::constant]
		type MaxBatchSize: Get<u32>;

		/// Most custodians a record may be shared with, besides the custodian that anchored it.
		/// At the bound, `share_record` fails with `TooManyShares`.
		#[pallet::constant]
		type MaxSharesPerRecord: Get<u32>;

		/// Most records anchored one by one for one patient; batches do not count. At the
		/// bound, `anchor_record` fails with `TooManyRecordsForPatient`.
		#[pallet::constant]
		type MaxRecordsPerPatient: Get<u32>;

		/// Most access-log entries kept in storage per patient. When the log is full, a new
		/// disclosure rolls the oldest entry into the patient's digest (a disclosure is never
		/// refused for lack of room).
		#[pallet::constant]
		type MaxAccessLogPerPatient: Get<u32>;

		/// How many blocks an access-log entry stays in storage before anyone may roll it into
		/// the patient's digest with `compact_access_log`.
		#[pallet::constant]
		type AccessLogRetention: Get<BlockNumberFor<Self>>;

		/// Weights of this pallet's calls and lookups.
		type WeightInfo: WeightInfo;
	}

	/// Every anchored record, by id. Records are never removed: an erased record stays as
	/// evidence.
	#[pallet::storage]
	pub type Records<T: Config> = StorageMap<_, Twox64Concat, RecordId, RecordOf<T>>;

	/// The id the next record will get (also the number of records anchored).
	#[pallet::storage]
	pub type NextRecordId<T> = StorageValue<_, RecordId, ValueQuery>;

	/// Every version of every record: (record, version number) → commitment and time.
	#[pallet::storage]
	pub type RecordVersions<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		RecordId,
		Twox64Concat,
		VersionNumber,
		RecordVersionOf<T>,
	>;

	/// The custodians each record was shared with (`share_record`), besides the custodian
	/// that anchored it: with it, the record's holders, whose nodes hold a copy and whose
	/// attestors may attest inferences on it. Kept after erasure, as the list of hospitals
	/// whose copies the erasure concerns.
	#[pallet::storage]
	pub type SharedWith<T: Config> = StorageMap<
		_,
		Twox64Concat,
		RecordId,
		BoundedVec<T::AccountId, T::MaxSharesPerRecord>,
		ValueQuery,
	>;

	/// What each anchored 32-byte value is (a record version or a batch root): no value is
	/// anchored twice.
	#[pallet::storage]
	pub type Anchors<T> = StorageMap<_, Blake2_128Concat, Hash32, Anchor>;

	/// The records of a patient in the order they were anchored: (patient, position) →
	/// record id.
	#[pallet::storage]
	pub type PatientRecords<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u32, RecordId>;

	/// Number of records anchored one by one for a patient (positions `0..count` of
	/// `PatientRecords`).
	#[pallet::storage]
	pub type PatientRecordCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Every anchored batch, by id.
	#[pallet::storage]
	pub type Batches<T: Config> = StorageMap<_, Twox64Concat, BatchId, BatchOf<T>>;

	/// The id the next batch will get (also the number of batches anchored).
	#[pallet::storage]
	pub type NextBatchId<T> = StorageValue<_, BatchId, ValueQuery>;

	/// The entries of each patient's access log still in storage: (patient, position) →
	/// entry. Positions `folded..next` of the patient's `AccessLogs` state.
	#[pallet::storage]
	pub type AccessLogEntries<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Twox64Concat,
		AccessSeq,
		AccessEntryOf<T>,
	>;

	/// The state of each patient's access log: entries ever logged, entries rolled into the
	/// digest, the digest itself and the block of its newest entry.
	#[pallet::storage]
	pub type AccessLogs<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, AccessLogOf<T>, ValueQuery>;

	/// What happened to records, batches and access logs.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A record was anchored (its version 0).
		RecordAnchored {
			/// The new record.
			record_id: RecordId,
			/// The patient it is about.
			patient: T::AccountId,
			/// The hospital that holds it.
			custodian: T::AccountId,
			/// The commitment `blake2_256(salt ++ canonical_bytes)`.
			commitment: Commitment,
			/// The class of clinical data.
			data_class: DataClass,
			/// The document format.
			schema: SchemaOf<T>,
		},
		/// A record was amended: a new version is now the current one.
		RecordAmended {
			/// The record.
			record_id: RecordId,
			/// The number of the new version.
			version: VersionNumber,
			/// The commitment of the new version.
			commitment: Commitment,
			/// The commitment of the version it replaces, now superseded.
			previous: Commitment,
			/// Why it was amended.
			reason: AmendmentReason,
		},
		/// A batch of records was anchored under a Merkle root.
		BatchAnchored {
			/// The new batch.
			batch_id: BatchId,
			/// The hospital that holds the records.
			custodian: T::AccountId,
			/// The patient of every record in the batch, if the batch is one patient's.
			patient: Option<T::AccountId>,
			/// The Merkle root over the commitments.
			root: Hash32,
			/// How many commitments the root covers.
			leaf_count: u32,
			/// The class of clinical data.
			data_class: DataClass,
		},
		/// A record was erased; its anchor stays as evidence that it existed.
		RecordErased {
			/// The record.
			record_id: RecordId,
			/// The patient it is about.
			patient: T::AccountId,
			/// Who erased it: its custodian or its patient.
			by: T::AccountId,
			/// Why.
			reason: ErasureReason,
		},
		/// A custodian disclosed a record, and the disclosure was added to the patient's
		/// access log.
		AccessLogged {
			/// The patient whose log the entry is in.
			patient: T::AccountId,
			/// The entry's position in the patient's log.
			seq: AccessSeq,
			/// The entry, exactly as it is stored and later hashed into the digest.
			entry: AccessEntryOf<T>,
		},
		/// The oldest entries of a patient's access log were rolled into its digest and left
		/// storage (their `AccessLogged` events stay in the chain's history).
		AccessLogCompacted {
			/// The patient.
			patient: T::AccountId,
			/// How many entries were rolled up now.
			folded: u32,
			/// How many entries the digest covers in total (positions `0..total_folded`).
			total_folded: AccessSeq,
			/// The digest after rolling them up.
			digest: Hash32,
		},
		/// A record's custodian shared it with another custodian, which now holds it: its node
		/// received a copy (`store import-record-export`) and its attestor may attest
		/// inferences on the record.
		RecordShared {
			/// The record.
			record_id: RecordId,
			/// The custodian that holds it from now on.
			holder: T::AccountId,
		},
		/// A custodian no longer holds a shared record: it deleted its copy, or the record's
		/// custodian withdrew the share. Its attestor may no longer attest inferences on it.
		RecordUnshared {
			/// The record.
			record_id: RecordId,
			/// The custodian that no longer holds it.
			holder: T::AccountId,
			/// Who withdrew the share: the record's custodian or the holder itself.
			by: T::AccountId,
		},
	}

	/// Why a call failed.
	#[pallet::error]
	pub enum Error<T> {
		/// A commitment or root of all zeros is not a hash: most likely an uninitialized
		/// buffer.
		ZeroCommitment,
		/// This commitment (or root) is already anchored, as a record version or a batch.
		CommitmentAlreadyAnchored,
		/// The `Other` schema code is empty or has a character outside `A-Z a-z 0-9 . _ - : /`.
		InvalidSchemaCode,
		/// The patient already has `MaxRecordsPerPatient` records; anchor further ones in
		/// batches.
		TooManyRecordsForPatient,
		/// Every record id has been used.
		RecordIdsExhausted,
		/// No record has this id.
		RecordNotFound,
		/// The caller is not the custodian that anchored this record.
		NotRecordCustodian,
		/// The record has been erased: it cannot be amended or disclosed.
		RecordErased,
		/// The record already has `MaxVersions` versions; anchor the document as a new record.
		TooManyVersions,
		/// A batch must hold at least one commitment.
		EmptyBatch,
		/// The batch holds more than `MaxBatchSize` commitments; split it.
		BatchTooLarge,
		/// Every batch id has been used.
		BatchIdsExhausted,
		/// The caller is neither the record's patient nor its (registered) custodian.
		NotCustodianOrPatient,
		/// The record is already erased.
		AlreadyErased,
		/// Disclosure refused: the patient has given the accessor no consent.
		NoConsent,
		/// Disclosure refused: the accessor's active consents do not name this purpose.
		PurposeNotConsented,
		/// Disclosure refused: the accessor's active consents name the purpose but neither
		/// this record nor its data class.
		DataNotConsented,
		/// Disclosure refused: the consent that would permit it is not valid yet.
		ConsentNotYetValid,
		/// Disclosure refused: the consent that would permit it has expired.
		ConsentExpired,
		/// Disclosure refused: the consent that would permit it was revoked.
		ConsentRevoked,
		/// Disclosure refused: the patient explicitly denied it.
		ConsentDenied,
		/// Every access-log position of this patient has been used.
		AccessLogExhausted,
		/// No access-log entry of this patient is past its retention period.
		NothingToCompact,
		/// A record can only be shared with a registered custodian.
		NotACustodian,
		/// The custodian already holds the record (it anchored it, or it was shared with it).
		AlreadyHolder,
		/// The record was already shared with `MaxSharesPerRecord` custodians.
		TooManyShares,
		/// The record was not shared with this custodian.
		NotHolder,
		/// Only the record's custodian or the holder itself may withdraw a share.
		NotCustodianOrHolder,
	}

	impl<T> From<DenialReason> for Error<T> {
		fn from(reason: DenialReason) -> Self {
			match reason {
				DenialReason::NoConsent => Error::NoConsent,
				DenialReason::PurposeNotCovered => Error::PurposeNotConsented,
				DenialReason::DataNotCovered => Error::DataNotConsented,
				DenialReason::NotYetValid(_) => Error::ConsentNotYetValid,
				DenialReason::Expired(_) => Error::ConsentExpired,
				DenialReason::Revoked(_) => Error::ConsentRevoked,
				DenialReason::ExplicitDeny(_) => Error::ConsentDenied,
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxVersions::get() > 0, "MaxVersions must be at least 1");
			assert!(T::MaxSharesPerRecord::get() > 0, "MaxSharesPerRecord must be at least 1");
			assert!(T::MaxBatchSize::get() > 0, "MaxBatchSize must be at least 1");
			assert!(T::MaxRecordsPerPatient::get() > 0, "MaxRecordsPerPatient must be at least 1");
			assert!(
				T::MaxAccessLogPerPatient::get() > 0,
				"MaxAccessLogPerPatient must be at least 1"
			);
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Anchor a record: the chain assigns it the next `RecordId` and keeps the commitment,
		/// the patient, the calling custodian, the data class, the format and the block and
		/// time. Only a registered custodian may.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::anchor_record())]
		pub fn anchor_record(
			origin: OriginFor<T>,
			patient: T::AccountId,
			commitment: Commitment,
			data_class: DataClass,
			schema: SchemaOf<T>,
		) -> DispatchResult {
			let custodian = T::CustodianOrigin::ensure_origin(origin)?;
			Self::do_anchor_record(custodian, patient, commitment, data_class, schema).map(|_| ())
		}

		/// Amend a record: `new_commitment` becomes its current version, the previous one is
		/// superseded (and stays verifiable). Only the custodian that anchored the record, and
		/// only while it is still a registered custodian; an erased record cannot be amended.
		/// Open inference requests on the superseded version are cancelled in the same call.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::amend_record().saturating_add(T::OnRecordChange::max_weight()))]
		pub fn amend_record(
			origin: OriginFor<T>,
			record_id: RecordId,
			new_commitment: Commitment,
			reason: AmendmentReason,
		) -> DispatchResultWithPostInfo {
			let custodian = T::CustodianOrigin::ensure_origin(origin)?;
			Self::do_amend_record(custodian.clone(), record_id, new_commitment, reason)?;
			let hooks = T::OnRecordChange::on_amended(record_id, &custodian);
			Ok(Some(T::WeightInfo::amend_record().saturating_add(hooks)).into())
		}

		/// Anchor a batch: many records (a nightly export) under one Merkle root, built with
		/// the `healthchain-commitment` scheme over their commitments in export order. The
		/// leaf count is stored with the root, so an inclusion proof also pins the leaf's
		/// position. Only a registered custodian may.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::anchor_batch())]
		pub fn anchor_batch(
			origin: OriginFor<T>,
			patient: Option<T::AccountId>,
			merkle_root: Hash32,
			leaf_count: u32,
			data_class: DataClass,
			schema: SchemaOf<T>,
		) -> DispatchResult {
			let custodian = T::CustodianOrigin::ensure_origin(origin)?;
			Self::do_anchor_batch(custodian, patient, merkle_root, leaf_count, data_class, schema)
		}

		/// Erase a record (right to erasure, crypto-shredding): the custodian destroys the
		/// salt and the data off chain, and the chain marks the record erased. The anchor and
		/// its versions stay as evidence that something existed and was erased; an erased
		/// record can no longer be amended, disclosed or used for new requests, and the open
		/// inference requests on it are cancelled in the same call. Signed by the record's
		/// patient, or by its custodian while it is a registered custodian.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::erase_record().saturating_add(T::OnRecordChange::max_weight()))]
		pub fn erase_record(
			origin: OriginFor<T>,
			record_id: RecordId,
			reason: ErasureReason,
		) -> DispatchResultWithPostInfo {
			let (caller, is_custodian) = match T::CustodianOrigin::try_origin(origin) {
				Ok(custodian) => (custodian, true),
				Err(origin) => (ensure_signed(origin)?, false),
			};
			Self::do_erase_record(caller.clone(), is_custodian, record_id, reason)?;
			let hooks = T::OnRecordChange::on_erased(record_id, &caller);
			Ok(Some(T::WeightInfo::erase_record().saturating_add(hooks)).into())
		}

		/// Log that the calling custodian disclosed a record to `accessor` for `purpose`. The
		/// disclosure must be permitted: by an active consent of the patient covering the
		/// record (its id and class), or, for emergency treatment, by an open break-glass
		/// access; a disclosure to the patient themself needs neither. Refused (with the
		/// denial as the error) otherwise, and for an erased record. Only the record's
		/// custodian, while it is a registered custodian.
		///
		/// When the patient's log is full, its oldest entry is rolled into the digest first.
		#[pallet::call_index(4)]
		#[pallet::weight(
			T::WeightInfo::log_access().saturating_add(T::ConsentCheck::check_weight())
		)]
		pub fn log_access(
			origin: OriginFor<T>,
			record_id: RecordId,
			accessor: T::AccountId,
			purpose: Purpose,
		) -> DispatchResult {
			let custodian = T::CustodianOrigin::ensure_origin(origin)?;
			Self::do_log_access(custodian, record_id, accessor, purpose)
		}

		/// Roll up to `max_entries` of the oldest entries of `patient`'s access log that are
		/// past `AccessLogRetention` into the patient's digest, removing them from storage
		/// (their events stay in history). Anyone may; stops at the first entry still within
		/// retention. Charges only for the entries rolled up.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::compact_access_log(
			(*max_entries).min(T::MaxAccessLogPerPatient::get())
		))]
		pub fn compact_access_log(
			origin: OriginFor<T>,
			patient: T::AccountId,
			max_entries: u32,
		) -> DispatchResultWithPostInfo {
			ensure_signed(origin)?;
			let folded = Self::do_compact_access_log(patient, max_entries)?;
			Ok(Some(T::WeightInfo::compact_access_log(folded)).into())
		}

		/// Share the record `record_id` with the registered custodian `holder`, after its node
		/// received a copy (the off-chain `store export-record` and `import-record-export`):
		/// the holder's attestor may then attest inferences on the record, which no other
		/// hospital's may. Only the record's custodian, while it is a registered custodian; an
		/// erased record cannot be shared.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::share_record())]
		pub fn share_record(
			origin: OriginFor<T>,
			record_id: RecordId,
			holder: T::AccountId,
		) -> DispatchResult {
			let custodian = T::CustodianOrigin::ensure_origin(origin)?;
			Self::do_share_record(custodian, record_id, holder)
		}

		/// Withdraw the share of record `record_id` with `holder`: its attestor may no longer
		/// attest inferences on the record (results it already submitted stay). Signed by the
		/// record's custodian, or by the holder itself when it deleted its copy.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::unshare_record())]
		pub fn unshare_record(
			origin: OriginFor<T>,
			record_id: RecordId,
			holder: T::AccountId,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_unshare_record(who, record_id, holder)
		}
	}
}
