//! The pallet's invariants, checked by `try_state` and after every unit test: records,
//! versions, the anchor index, patient listings, shares, batches and access logs agree.

use crate::{
	AccessLogEntries, AccessLogs, Anchor, Anchors, Batches, Config, NextBatchId, NextRecordId,
	Pallet, PatientRecordCount, PatientRecords, RecordVersions, Records, SharedWith,
};
use alloc::collections::btree_map::BTreeMap;
use frame_support::{ensure, pallet_prelude::Get};

impl<T: Config> Pallet<T> {
	/// Checks that the version map, the anchor index and the patient listing agree with the
	/// records, that batches agree with the anchor index, that the counters agree with the
	/// maps, and that each access log holds exactly its kept entries.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
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

		// Shares: of existing records, never with the record's own custodian, never twice,
		// never an empty list.
		for (record_id, holders) in SharedWith::<T>::iter() {
			let record = Records::<T>::get(record_id).ok_or("a share of an unknown record")?;
			ensure!(!holders.is_empty(), "an empty share list is stored");
			ensure!(!holders.contains(&record.custodian), "a record shared with its custodian");
			let mut sorted = holders.into_inner();
			sorted.sort();
			ensure!(
				sorted.windows(2).all(|w| w[0] != w[1]),
				"a record shared twice with one holder"
			);
		}
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
