//! Records anchored one by one: anchoring, amending and erasing them, the checks every new
//! anchor passes (shared with batches), and the [`RecordLookup`] through which other pallets
//! read records.

use crate::{
	AmendmentReason, Anchor, Anchors, Commitment, Config, DataClass, Erasure, ErasureReason, Error,
	Event, Hash32, Moment, NextRecordId, Pallet, PatientRecordCount, PatientRecords, Record,
	RecordId, RecordLookup, RecordStatus, RecordSummary, RecordVersion, RecordVersions, Records,
	SchemaOf, WeightInfo,
};
use frame_support::{
	ensure,
	pallet_prelude::{DispatchError, DispatchResult, Get, Weight},
	traits::UnixTime,
};
use frame_system::pallet_prelude::BlockNumberFor;

impl<T: Config> Pallet<T> {
	/// The current block number and wall-clock time (milliseconds since the Unix epoch).
	pub(crate) fn now() -> (BlockNumberFor<T>, Moment) {
		let millis = T::Time::now().as_millis();
		(frame_system::Pallet::<T>::block_number(), Moment::try_from(millis).unwrap_or(Moment::MAX))
	}

	/// Fails unless `value` is a non-zero 32-byte value not anchored yet.
	pub(crate) fn ensure_new_anchor(value: &Hash32) -> Result<(), DispatchError> {
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

	/// Makes `new_commitment` the current version of record `record_id` for `custodian` (whose
	/// origin the call checked); the previous version is superseded.
	pub(crate) fn do_amend_record(
		custodian: T::AccountId,
		record_id: RecordId,
		new_commitment: Commitment,
		reason: AmendmentReason,
	) -> DispatchResult {
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

	/// Marks record `record_id` erased by `caller`, who must be its patient or, when
	/// `is_custodian` (the caller passed `CustodianOrigin`), its custodian.
	pub(crate) fn do_erase_record(
		caller: T::AccountId,
		is_custodian: bool,
		record_id: RecordId,
		reason: ErasureReason,
	) -> DispatchResult {
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

	/// The status of the version of record `record_id` whose commitment is `commitment`.
	pub(crate) fn version_status(
		record_id: RecordId,
		commitment: &Commitment,
	) -> Option<RecordStatus> {
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
		Records::<T>::get(id).map(|record| record.summary())
	}

	fn status_of(id: RecordId, commitment: &Commitment) -> Option<RecordStatus> {
		Self::version_status(id, commitment)
	}

	fn is_holder(id: RecordId, custodian: &T::AccountId) -> bool {
		Self::holds(id, custodian)
	}

	fn lookup_weight() -> Weight {
		T::WeightInfo::lookup()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_holder(id: RecordId, custodian: &T::AccountId) -> Result<(), DispatchError> {
		use frame_support::traits::SortedMembers;
		let record = Records::<T>::get(id).ok_or(Error::<T>::RecordNotFound)?;
		if record.custodian == *custodian || Self::holds(id, custodian) {
			return Ok(());
		}
		T::Custodians::add(custodian);
		Self::do_share_record(record.custodian, id, custodian.clone())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_record(
		custodian: &T::AccountId,
		patient: &T::AccountId,
		data_class: DataClass,
	) -> Result<RecordId, DispatchError> {
		use crate::Schema;
		use codec::Encode;

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
