//! Benchmarks of the records pallet (frame-benchmarking v2), each over its call's worst case.

use super::*;
use codec::Encode;
use frame_benchmarking::v2::*;
use frame_support::{
	traits::{EnsureOrigin, Get, SortedMembers},
	BoundedVec,
};
use frame_system::RawOrigin;
use healthchain_primitives::DataTarget;
use sp_runtime::traits::Saturating;

const SEED: u32 = 0;

fn assert_last_event<T: Config>(event: Event<T>) {
	frame_system::Pallet::<T>::assert_last_event(<T as frame_system::Config>::RuntimeEvent::from(
		event,
	));
}

fn now<T: Config>() -> BlockNumberFor<T> {
	frame_system::Pallet::<T>::block_number()
}

/// The custodian the runtime's `CustodianOrigin` accepts, and its origin.
fn custodian<T: Config>() -> Result<(T::RuntimeOrigin, T::AccountId), BenchmarkError> {
	let origin =
		T::CustodianOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
	let custodian = T::CustodianOrigin::ensure_origin(origin.clone())
		.map_err(|_| BenchmarkError::Weightless)?;
	Ok((origin, custodian))
}

/// Shares record `record_id` of `custodian` with `count` new custodians (`holder` 0, 1, …).
fn share_fully<T: Config>(
	custodian: &T::AccountId,
	record_id: RecordId,
	count: u32,
) -> Result<(), BenchmarkError> {
	for index in 0..count {
		let holder: T::AccountId = account("holder", index, SEED);
		T::Custodians::add(&holder);
		Pallet::<T>::do_share_record(custodian.clone(), record_id, holder)?;
	}
	Ok(())
}

/// A distinct, non-zero commitment for each `n`.
fn commitment(n: u32) -> Commitment {
	sp_io::hashing::blake2_256(&(b"benchmark-commitment", n).encode())
}

/// The largest schema: an `Other` code of `MaxSchemaLen` characters.
fn max_schema<T: Config>() -> SchemaOf<T> {
	match T::MaxSchemaLen::get() {
		0 => Schema::FhirR4Bundle,
		len => Schema::Other(BoundedVec::truncate_from(alloc::vec![b'a'; len as usize])),
	}
}

/// Anchors a record of `patient` held by `custodian`, with the largest schema.
fn anchor<T: Config>(
	custodian: &T::AccountId,
	patient: &T::AccountId,
) -> Result<RecordId, BenchmarkError> {
	let record_id = Pallet::<T>::do_anchor_record(
		custodian.clone(),
		patient.clone(),
		commitment(NextRecordId::<T>::get() as u32),
		DataClass::Laboratory,
		max_schema::<T>(),
	)?;
	Ok(record_id)
}

/// Writes `count` disclosures of `record_id`, logged at the current block, straight into
/// `patient`'s access log.
fn fill_log<T: Config>(
	patient: &T::AccountId,
	custodian: &T::AccountId,
	record_id: RecordId,
	count: u32,
) {
	let accessor: T::AccountId = account("earlier-accessor", 0, SEED);
	let mut log = AccessLogs::<T>::get(patient);
	for _ in 0..count {
		AccessLogEntries::<T>::insert(
			patient,
			log.next,
			AccessEntry {
				record_id,
				version: 0,
				custodian: custodian.clone(),
				accessor: accessor.clone(),
				purpose: Purpose::Treatment,
				basis: DisclosureBasis::Consent(0),
				at: now::<T>(),
				time: 0,
			},
		);
		log.next += 1;
	}
	AccessLogs::<T>::insert(patient, log);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	/// A custodian anchors the last record the patient may have, with the longest schema.
	#[benchmark]
	fn anchor_record() -> Result<(), BenchmarkError> {
		let (origin, custodian) = custodian::<T>()?;
		let patient: T::AccountId = account("patient", 0, SEED);
		PatientRecordCount::<T>::insert(&patient, T::MaxRecordsPerPatient::get().saturating_sub(1));
		let record_id = NextRecordId::<T>::get();
		let schema = max_schema::<T>();

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			patient.clone(),
			commitment(u32::MAX),
			DataClass::Laboratory,
			schema.clone(),
		);

		assert_last_event::<T>(Event::RecordAnchored {
			record_id,
			patient,
			custodian,
			commitment: commitment(u32::MAX),
			data_class: DataClass::Laboratory,
			schema,
		});
		Ok(())
	}

	/// The custodian amends a record.
	#[benchmark]
	fn amend_record() -> Result<(), BenchmarkError> {
		if T::MaxVersions::get() < 2 {
			return Err(BenchmarkError::Weightless);
		}
		let (origin, custodian) = custodian::<T>()?;
		let patient: T::AccountId = account("patient", 0, SEED);
		let record_id = anchor::<T>(&custodian, &patient)?;
		let previous = Records::<T>::get(record_id).ok_or(BenchmarkError::Weightless)?.commitment;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, record_id, commitment(u32::MAX), AmendmentReason::Correction);

		assert_last_event::<T>(Event::RecordAmended {
			record_id,
			version: 1,
			commitment: commitment(u32::MAX),
			previous,
			reason: AmendmentReason::Correction,
		});
		Ok(())
	}

	/// A custodian anchors the largest batch one patient's, with the longest schema.
	#[benchmark]
	fn anchor_batch() -> Result<(), BenchmarkError> {
		let (origin, custodian) = custodian::<T>()?;
		let patient: T::AccountId = account("patient", 0, SEED);
		let batch_id = NextBatchId::<T>::get();
		let leaf_count = T::MaxBatchSize::get();

		#[extrinsic_call]
		_(
			origin as T::RuntimeOrigin,
			Some(patient.clone()),
			commitment(u32::MAX),
			leaf_count,
			DataClass::Laboratory,
			max_schema::<T>(),
		);

		assert_last_event::<T>(Event::BatchAnchored {
			batch_id,
			custodian,
			patient: Some(patient),
			root: commitment(u32::MAX),
			leaf_count,
			data_class: DataClass::Laboratory,
		});
		Ok(())
	}

	/// The patient erases a record (the custodian origin is tried first, and fails).
	#[benchmark]
	fn erase_record() -> Result<(), BenchmarkError> {
		let (_, custodian) = custodian::<T>()?;
		let patient: T::AccountId = account("patient", 0, SEED);
		let record_id = anchor::<T>(&custodian, &patient)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(patient.clone()), record_id, ErasureReason::PatientRequest);

		assert_last_event::<T>(Event::RecordErased {
			record_id,
			patient: patient.clone(),
			by: patient,
			reason: ErasureReason::PatientRequest,
		});
		Ok(())
	}

	/// The custodian logs a disclosure permitted by consent into a full access log, which
	/// rolls its oldest entry into the digest.
	#[benchmark]
	fn log_access() -> Result<(), BenchmarkError> {
		let (origin, custodian) = custodian::<T>()?;
		let patient: T::AccountId = account("patient", 0, SEED);
		let accessor: T::AccountId = account("accessor", 0, SEED);
		let record_id = anchor::<T>(&custodian, &patient)?;
		let max = T::MaxAccessLogPerPatient::get();
		fill_log::<T>(&patient, &custodian, record_id, max);
		T::ConsentCheck::set_up_permit(
			&patient,
			&accessor,
			Purpose::Treatment,
			&DataTarget::record(DataClass::Laboratory, record_id),
		)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, record_id, accessor.clone(), Purpose::Treatment);

		let log = AccessLogs::<T>::get(&patient);
		assert_eq!((log.folded, log.next), (1, u64::from(max) + 1));
		let entry = AccessLogEntries::<T>::get(&patient, u64::from(max))
			.ok_or(BenchmarkError::Weightless)?;
		assert_eq!(entry.accessor, accessor);
		Ok(())
	}

	/// Anyone rolls `n` entries past retention of a full access log into its digest.
	#[benchmark]
	fn compact_access_log(
		n: Linear<1, { T::MaxAccessLogPerPatient::get() }>,
	) -> Result<(), BenchmarkError> {
		let (_, custodian) = custodian::<T>()?;
		let patient: T::AccountId = account("patient", 0, SEED);
		let caller: T::AccountId = whitelisted_caller();
		let record_id = anchor::<T>(&custodian, &patient)?;
		fill_log::<T>(&patient, &custodian, record_id, T::MaxAccessLogPerPatient::get());
		frame_system::Pallet::<T>::set_block_number(
			now::<T>().saturating_add(T::AccessLogRetention::get()),
		);

		#[extrinsic_call]
		_(RawOrigin::Signed(caller), patient.clone(), n);

		assert_eq!(AccessLogs::<T>::get(&patient).folded, u64::from(n));
		Ok(())
	}

	/// One lookup of a version's status (reads the anchor index and the record) and one holder
	/// check of a custodian that does not hold a record shared `MaxSharesPerRecord` times
	/// (reads the record and the full share list): more than any one `RecordLookup` call.
	#[benchmark]
	fn lookup() -> Result<(), BenchmarkError> {
		let (_, custodian) = custodian::<T>()?;
		let patient: T::AccountId = account("patient", 0, SEED);
		let record_id = anchor::<T>(&custodian, &patient)?;
		share_fully::<T>(&custodian, record_id, T::MaxSharesPerRecord::get())?;
		let current = Records::<T>::get(record_id).ok_or(BenchmarkError::Weightless)?.commitment;
		let stranger: T::AccountId = account("stranger", 0, SEED);
		let (status, holds);

		#[block]
		{
			status = <Pallet<T> as RecordLookup<T::AccountId>>::status_of(record_id, &current);
			holds = <Pallet<T> as RecordLookup<T::AccountId>>::is_holder(record_id, &stranger);
		}

		assert_eq!(status, Some(RecordStatus::Current));
		assert!(!holds);
		Ok(())
	}

	/// The custodian shares a record already shared `MaxSharesPerRecord - 1` times.
	#[benchmark]
	fn share_record() -> Result<(), BenchmarkError> {
		let (origin, custodian) = custodian::<T>()?;
		let patient: T::AccountId = account("patient", 0, SEED);
		let record_id = anchor::<T>(&custodian, &patient)?;
		let max = T::MaxSharesPerRecord::get();
		share_fully::<T>(&custodian, record_id, max.saturating_sub(1))?;
		let holder: T::AccountId = account("holder", max, SEED);
		T::Custodians::add(&holder);

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, record_id, holder.clone());

		assert_last_event::<T>(Event::RecordShared { record_id, holder });
		Ok(())
	}

	/// The last holder of a record shared `MaxSharesPerRecord` times withdraws its share.
	#[benchmark]
	fn unshare_record() -> Result<(), BenchmarkError> {
		let (_, custodian) = custodian::<T>()?;
		let patient: T::AccountId = account("patient", 0, SEED);
		let record_id = anchor::<T>(&custodian, &patient)?;
		let max = T::MaxSharesPerRecord::get();
		share_fully::<T>(&custodian, record_id, max)?;
		let holder: T::AccountId = account("holder", max.saturating_sub(1), SEED);

		#[extrinsic_call]
		_(RawOrigin::Signed(holder.clone()), record_id, holder.clone());

		assert_last_event::<T>(Event::RecordUnshared {
			record_id,
			holder: holder.clone(),
			by: holder,
		});
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
