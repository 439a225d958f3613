#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod traits;
pub mod types;
pub mod weights;

pub use pallet::*;
pub use traits::RecordLookup;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	ensure,
	pallet_prelude::{DispatchError, Get, Weight},
	traits::UnixTime,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_consent::{ConsentCheck, DataTarget, DenialReason};
use sp_runtime::traits::Saturating;

/// The most entries one page of a runtime-API listing returns, whatever `limit` asks.
pub const MAX_PAGE_SIZE: u32 = 1000;

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

		/// The consent check a disclosure must pass (`pallet_consent::Pallet<Runtime>`).
		type ConsentCheck: ConsentCheck<Self::AccountId, BlockNumberFor<Self>>;

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
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::amend_record())]
		pub fn amend_record(
			origin: OriginFor<T>,
			record_id: RecordId,
			new_commitment: Commitment,
			reason: AmendmentReason,
		) -> DispatchResult {
			let custodian = T::CustodianOrigin::ensure_origin(origin)?;
			let mut record = Records::<T>::get(record_id).ok_or(Error::<T>::RecordNotFound)?;
			ensure!(record.custodian == custodian, Error::<T>::NotRecordCustodian);
			ensure!(!record.is_erased(), Error::<T>::RecordErased);
			Self::ensure_new_anchor(&new_commitment)?;
			let version = record
				.version
				.checked_add(1)
				.filter(|v| *v < T::MaxVersions::get())
				.ok_or(Error::<T>::TooManyVersions)?;

			let (now, time) = Self::now();
			RecordVersions::<T>::insert(
				record_id,
				version,
				RecordVersion {
					commitment: new_commitment,
					anchored_at: now,
					anchored_time: time,
					amendment: Some(reason),
				},
			);
			Anchors::<T>::insert(new_commitment, Anchor::Record { record_id, version });
			let previous = core::mem::replace(&mut record.commitment, new_commitment);
			record.version = version;
			Records::<T>::insert(record_id, record);
			Self::deposit_event(Event::RecordAmended {
				record_id,
				version,
				commitment: new_commitment,
				previous,
				reason,
			});
			Ok(())
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
			ensure!(leaf_count > 0, Error::<T>::EmptyBatch);
			ensure!(leaf_count <= T::MaxBatchSize::get(), Error::<T>::BatchTooLarge);
			ensure!(schema.is_valid(), Error::<T>::InvalidSchemaCode);
			Self::ensure_new_anchor(&merkle_root)?;
			let batch_id = NextBatchId::<T>::get();
			let next_id = batch_id.checked_add(1).ok_or(Error::<T>::BatchIdsExhausted)?;

			let (now, time) = Self::now();
			Batches::<T>::insert(
				batch_id,
				Batch {
					custodian: custodian.clone(),
					patient: patient.clone(),
					root: merkle_root,
					leaf_count,
					data_class,
					schema,
					anchored_at: now,
					anchored_time: time,
				},
			);
			Anchors::<T>::insert(merkle_root, Anchor::Batch(batch_id));
			NextBatchId::<T>::put(next_id);
			Self::deposit_event(Event::BatchAnchored {
				batch_id,
				custodian,
				patient,
				root: merkle_root,
				leaf_count,
				data_class,
			});
			Ok(())
		}

		/// Erase a record (right to erasure, crypto-shredding): the custodian destroys the
		/// salt and the data off chain, and the chain marks the record erased. The anchor and
		/// its versions stay as evidence that something existed and was erased; an erased
		/// record can no longer be amended, disclosed or used for new requests. Signed by the
		/// record's patient, or by its custodian while it is a registered custodian.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::erase_record())]
		pub fn erase_record(
			origin: OriginFor<T>,
			record_id: RecordId,
			reason: ErasureReason,
		) -> DispatchResult {
			let (caller, is_custodian) = match T::CustodianOrigin::try_origin(origin) {
				Ok(custodian) => (custodian, true),
				Err(origin) => (ensure_signed(origin)?, false),
			};
			let mut record = Records::<T>::get(record_id).ok_or(Error::<T>::RecordNotFound)?;
			ensure!(
				caller == record.patient || (is_custodian && caller == record.custodian),
				Error::<T>::NotCustodianOrPatient
			);
			ensure!(!record.is_erased(), Error::<T>::AlreadyErased);
			let (now, time) = Self::now();
			record.erasure = Some(Erasure { by: caller.clone(), reason, at: now, time });
			let patient = record.patient.clone();
			Records::<T>::insert(record_id, record);
			Self::deposit_event(Event::RecordErased { record_id, patient, by: caller, reason });
			Ok(())
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
			let record = Records::<T>::get(record_id).ok_or(Error::<T>::RecordNotFound)?;
			ensure!(record.custodian == custodian, Error::<T>::NotRecordCustodian);
			ensure!(!record.is_erased(), Error::<T>::RecordErased);
			let (now, time) = Self::now();
			let basis = if accessor == record.patient {
				DisclosureBasis::PatientRequest
			} else {
				let target = DataTarget::record(record.data_class, record_id);
				T::ConsentCheck::check_access(&record.patient, &accessor, purpose, &target, now)
					.map_err(Error::<T>::from)?
					.into()
			};

			let patient = record.patient;
			let mut log = AccessLogs::<T>::get(&patient);
			let seq = log.next;
			log.next = seq.checked_add(1).ok_or(Error::<T>::AccessLogExhausted)?;
			if log.kept() > u64::from(T::MaxAccessLogPerPatient::get()) {
				Self::fold_oldest(&patient, &mut log);
				Self::deposit_event(Event::AccessLogCompacted {
					patient: patient.clone(),
					folded: 1,
					total_folded: log.folded,
					digest: log.digest,
				});
			}
			let entry = AccessEntry {
				record_id,
				version: record.version,
				custodian,
				accessor,
				purpose,
				basis,
				at: now,
				time,
			};
			AccessLogEntries::<T>::insert(&patient, seq, &entry);
			AccessLogs::<T>::insert(&patient, log);
			Self::deposit_event(Event::AccessLogged { patient, seq, entry });
			Ok(())
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
			let (now, _) = Self::now();
			let retention = T::AccessLogRetention::get();
			let mut log = AccessLogs::<T>::get(&patient);
			let mut folded = 0u32;
			while folded < max_entries.min(T::MaxAccessLogPerPatient::get()) {
				let Some(oldest) = AccessLogEntries::<T>::get(&patient, log.folded) else { break };
				if oldest.at.saturating_add(retention) > now {
					break;
				}
				Self::fold_oldest(&patient, &mut log);
				folded.saturating_inc();
			}
			ensure!(folded > 0, Error::<T>::NothingToCompact);
			let (total_folded, digest) = (log.folded, log.digest);
			AccessLogs::<T>::insert(&patient, log);
			Self::deposit_event(Event::AccessLogCompacted {
				patient,
				folded,
				total_folded,
				digest,
			});
			Ok(Some(T::WeightInfo::compact_access_log(folded)).into())
		}
	}
}

// Internal logic.
impl<T: Config> Pallet<T> {
	/// The current block number and wall-clock time (milliseconds since the Unix epoch).
	fn now() -> (BlockNumberFor<T>, Moment) {
		let millis = T::Time::now().as_millis();
		(frame_system::Pallet::<T>::block_number(), Moment::try_from(millis).unwrap_or(Moment::MAX))
	}

	/// Fails unless `value` is a non-zero 32-byte value not anchored yet.
	fn ensure_new_anchor(value: &Hash32) -> Result<(), DispatchError> {
		ensure!(*value != [0u8; 32], Error::<T>::ZeroCommitment);
		ensure!(!Anchors::<T>::contains_key(value), Error::<T>::CommitmentAlreadyAnchored);
		Ok(())
	}

	/// Anchors version 0 of a new record held by `custodian` (who is not checked here).
	pub(crate) fn do_anchor_record(
		custodian: T::AccountId,
		patient: T::AccountId,
		commitment: Commitment,
		data_class: DataClass,
		schema: SchemaOf<T>,
	) -> Result<RecordId, DispatchError> {
		ensure!(schema.is_valid(), Error::<T>::InvalidSchemaCode);
		Self::ensure_new_anchor(&commitment)?;
		let position = PatientRecordCount::<T>::get(&patient);
		ensure!(position < T::MaxRecordsPerPatient::get(), Error::<T>::TooManyRecordsForPatient);
		let record_id = NextRecordId::<T>::get();
		let next_id = record_id.checked_add(1).ok_or(Error::<T>::RecordIdsExhausted)?;

		let (now, time) = Self::now();
		Records::<T>::insert(
			record_id,
			Record {
				patient: patient.clone(),
				custodian: custodian.clone(),
				data_class,
				schema: schema.clone(),
				commitment,
				version: 0,
				anchored_at: now,
				anchored_time: time,
				erasure: None,
			},
		);
		RecordVersions::<T>::insert(
			record_id,
			0,
			RecordVersion { commitment, anchored_at: now, anchored_time: time, amendment: None },
		);
		Anchors::<T>::insert(commitment, Anchor::Record { record_id, version: 0 });
		PatientRecords::<T>::insert(&patient, position, record_id);
		PatientRecordCount::<T>::insert(&patient, position.saturating_add(1));
		NextRecordId::<T>::put(next_id);
		Self::deposit_event(Event::RecordAnchored {
			record_id,
			patient,
			custodian,
			commitment,
			data_class,
			schema,
		});
		Ok(record_id)
	}

	/// Rolls the oldest stored entry of `patient`'s log into the digest and removes it from
	/// storage. The caller writes `log` back.
	fn fold_oldest(patient: &T::AccountId, log: &mut AccessLogOf<T>) {
		if log.folded >= log.next {
			return;
		}
		if let Some(entry) = AccessLogEntries::<T>::take(patient, log.folded) {
			log.digest = Self::chain_digest(&log.digest, &entry);
			log.last_folded_at = Some(entry.at);
		}
		log.folded.saturating_inc();
	}

	/// One step of the access-log hash chain: `blake2_256(digest ++ SCALE(entry))`.
	pub fn chain_digest(digest: &Hash32, entry: &AccessEntryOf<T>) -> Hash32 {
		let mut preimage = Vec::with_capacity(32 + entry.size_hint());
		preimage.extend_from_slice(digest);
		entry.encode_to(&mut preimage);
		sp_io::hashing::blake2_256(&preimage)
	}

	/// The status of the version of record `record_id` whose commitment is `commitment`.
	fn version_status(record_id: RecordId, commitment: &Commitment) -> Option<RecordStatus> {
		match Anchors::<T>::get(commitment)? {
			Anchor::Record { record_id: anchored, version } if anchored == record_id => {
				Records::<T>::get(record_id).map(|record| record.status_of_version(version))
			},
			_ => None,
		}
	}
}

impl<T: Config> RecordLookup<T::AccountId> for Pallet<T> {
	fn record(id: RecordId) -> Option<RecordSummary<T::AccountId>> {
		Records::<T>::get(id).as_ref().map(RecordSummary::from)
	}

	fn status_of(id: RecordId, commitment: &Commitment) -> Option<RecordStatus> {
		Self::version_status(id, commitment)
	}

	fn lookup_weight() -> Weight {
		T::WeightInfo::lookup()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_record(
		custodian: &T::AccountId,
		patient: &T::AccountId,
		data_class: DataClass,
	) -> Result<RecordId, DispatchError> {
		let commitment =
			sp_io::hashing::blake2_256(&(b"benchmark-record", NextRecordId::<T>::get()).encode());
		Self::do_anchor_record(
			custodian.clone(),
			patient.clone(),
			commitment,
			data_class,
			Schema::FhirR4Bundle,
		)
	}
}

// Queries for the runtime API (see [`runtime_api::RecordsApi`]).
impl<T: Config> Pallet<T> {
	/// Clamps a page size asked for to `1..=MAX_PAGE_SIZE`.
	fn page_size(limit: u32) -> u32 {
		limit.clamp(1, MAX_PAGE_SIZE)
	}

	/// One record by id.
	pub fn record(record_id: RecordId) -> Option<RecordOf<T>> {
		Records::<T>::get(record_id)
	}

	/// Whether `commitment` is the current, a superseded or an erased version of record
	/// `record_id`, or unknown.
	pub fn verify_record(record_id: RecordId, commitment: Commitment) -> Verification {
		Self::version_status(record_id, &commitment).into()
	}

	/// What an anchored 32-byte value is: a record version or a batch root.
	pub fn anchor_of(commitment: Commitment) -> Option<Anchor> {
		Anchors::<T>::get(commitment)
	}

	/// The records anchored for a patient, oldest first, from position `start`, `limit` at
	/// most.
	pub fn records_of_patient(
		patient: T::AccountId,
		start: u32,
		limit: u32,
	) -> Page<(RecordId, RecordOf<T>), u32> {
		let count = PatientRecordCount::<T>::get(&patient);
		let end = start.saturating_add(Self::page_size(limit)).min(count);
		let items = (start..end)
			.filter_map(|position| PatientRecords::<T>::get(&patient, position))
			.filter_map(|id| Records::<T>::get(id).map(|record| (id, record)))
			.collect();
		Page { items, next: (end < count).then_some(end) }
	}

	/// Every version of a record, oldest first; the last one is the current version. Empty
	/// for an unknown record.
	pub fn record_history(record_id: RecordId) -> Vec<RecordVersionOf<T>> {
		let Some(record) = Records::<T>::get(record_id) else { return Vec::new() };
		(0..=record.version)
			.filter_map(|version| RecordVersions::<T>::get(record_id, version))
			.collect()
	}

	/// One batch by id.
	pub fn batch(batch_id: BatchId) -> Option<BatchOf<T>> {
		Batches::<T>::get(batch_id)
	}

	/// Whether `proof` shows that `commitment` is the leaf at `proof.leaf_index` of batch
	/// `batch_id` (checked against the batch's root and leaf count).
	pub fn verify_inclusion(batch_id: BatchId, commitment: Commitment, proof: MerkleProof) -> bool {
		Batches::<T>::get(batch_id).is_some_and(|batch| {
			healthchain_commitment::verify_inclusion_in_batch(
				&batch.root,
				batch.leaf_count,
				&commitment,
				&proof,
			)
		})
	}

	/// The entries of a patient's access log still in storage, oldest first, from position
	/// `start` (`None`: the oldest kept), `limit` at most.
	pub fn access_log_of_patient(
		patient: T::AccountId,
		start: Option<AccessSeq>,
		limit: u32,
	) -> Page<(AccessSeq, AccessEntryOf<T>), AccessSeq> {
		let log = AccessLogs::<T>::get(&patient);
		let first = start.map_or(log.folded, |start| start.max(log.folded));
		let end = first.saturating_add(u64::from(Self::page_size(limit))).min(log.next);
		let items = (first..end)
			.filter_map(|seq| AccessLogEntries::<T>::get(&patient, seq).map(|entry| (seq, entry)))
			.collect();
		Page { items, next: (end < log.next).then_some(end) }
	}

	/// The state of a patient's access log: entries ever logged, entries rolled into the
	/// digest, the digest and the block of its newest entry.
	pub fn access_log_digest(patient: T::AccountId) -> AccessLogOf<T> {
		AccessLogs::<T>::get(&patient)
	}
}

// Invariants, checked by `try_state` and after every unit test.
#[cfg(any(feature = "try-runtime", test))]
impl<T: Config> Pallet<T> {
	/// Checks that the version map, the anchor index and the patient listing agree with the
	/// records, that batches agree with the anchor index, that the counters agree with the
	/// maps, and that each access log holds exactly its kept entries.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;

		// Records, their versions and the anchor index.
		let next_record_id = NextRecordId::<T>::get();
		let mut records = 0u64;
		let mut versions = 0u64;
		let mut per_patient: BTreeMap<T::AccountId, u32> = BTreeMap::new();
		for (record_id, record) in Records::<T>::iter() {
			records += 1;
			ensure!(record_id < next_record_id, "record id not below NextRecordId");
			ensure!(record.version < T::MaxVersions::get(), "more versions than MaxVersions");
			ensure!(record.schema.is_valid(), "record with an invalid schema code");
			for version in 0..=record.version {
				let entry = RecordVersions::<T>::get(record_id, version)
					.ok_or("a version of a record is missing")?;
				ensure!(
					entry.amendment.is_none() == (version == 0),
					"only version 0 lacks an amendment reason"
				);
				ensure!(
					Anchors::<T>::get(entry.commitment)
						== Some(Anchor::Record { record_id, version }),
					"a record version is not indexed under its commitment"
				);
				if version == record.version {
					ensure!(
						entry.commitment == record.commitment,
						"the record's commitment is not its newest version's"
					);
				}
			}
			versions += u64::from(record.version) + 1;
			let count = per_patient.entry(record.patient.clone()).or_default();
			*count += 1;
		}
		ensure!(records == next_record_id, "records and NextRecordId differ");
		ensure!(
			RecordVersions::<T>::iter_keys().count() as u64 == versions,
			"versions stored for no record, or past a record's current version"
		);

		// The patient listings.
		let mut listed = 0u64;
		for (patient, count) in PatientRecordCount::<T>::iter() {
			ensure!(count > 0, "zero PatientRecordCount kept");
			ensure!(count <= T::MaxRecordsPerPatient::get(), "more records than the cap");
			ensure!(
				per_patient.remove(&patient) == Some(count),
				"PatientRecordCount disagrees with the records"
			);
			for position in 0..count {
				let record_id = PatientRecords::<T>::get(&patient, position)
					.ok_or("a patient listing has a gap")?;
				let record = Records::<T>::get(record_id)
					.ok_or("a patient listing names a missing record")?;
				ensure!(record.patient == patient, "a patient listing names another's record");
			}
			listed += u64::from(count);
		}
		ensure!(per_patient.is_empty(), "records of a patient without PatientRecordCount");
		ensure!(
			PatientRecords::<T>::iter_keys().count() as u64 == listed,
			"patient listing entries past the count"
		);

		// Batches.
		let next_batch_id = NextBatchId::<T>::get();
		let mut batches = 0u64;
		for (batch_id, batch) in Batches::<T>::iter() {
			batches += 1;
			ensure!(batch_id < next_batch_id, "batch id not below NextBatchId");
			ensure!(
				batch.leaf_count > 0 && batch.leaf_count <= T::MaxBatchSize::get(),
				"batch leaf count out of range"
			);
			ensure!(
				Anchors::<T>::get(batch.root) == Some(Anchor::Batch(batch_id)),
				"a batch root is not indexed"
			);
		}
		ensure!(batches == next_batch_id, "batches and NextBatchId differ");
		ensure!(
			Anchors::<T>::iter_keys().count() as u64 == versions + batches,
			"anchors indexed for no record version or batch"
		);

		// Access logs.
		let mut kept = 0u64;
		for (patient, log) in AccessLogs::<T>::iter() {
			ensure!(log.folded <= log.next, "more entries folded than logged");
			ensure!(
				log.kept() <= u64::from(T::MaxAccessLogPerPatient::get()),
				"more access-log entries kept than MaxAccessLogPerPatient"
			);
			ensure!(
				(log.folded == 0) == log.last_folded_at.is_none(),
				"last_folded_at set without folded entries, or missing"
			);
			for seq in log.folded..log.next {
				let entry = AccessLogEntries::<T>::get(&patient, seq)
					.ok_or("a kept access-log entry is missing")?;
				let record = Records::<T>::get(entry.record_id)
					.ok_or("an access-log entry names a missing record")?;
				ensure!(record.patient == patient, "an access-log entry under the wrong patient");
				ensure!(entry.version <= record.version, "an access-log entry of a future version");
			}
			kept += log.kept();
		}
		ensure!(
			AccessLogEntries::<T>::iter_keys().count() as u64 == kept,
			"access-log entries outside their log's kept range"
		);
		Ok(())
	}
}
