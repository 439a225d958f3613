//! The functions the runtime API ([`crate::runtime_api::RecordsApi`]) calls: reads of
//! records, their versions, batches and access logs, and the checks of a commitment or of an
//! inclusion proof against what is anchored.

use crate::{
	AccessEntryOf, AccessLogEntries, AccessLogOf, AccessLogs, AccessSeq, Anchor, Anchors, BatchId,
	BatchOf, Batches, Commitment, Config, MerkleProof, Page, Pallet, PatientRecordCount,
	PatientRecords, RecordId, RecordOf, RecordVersionOf, RecordVersions, Records, Verification,
};
use alloc::vec::Vec;
use healthchain_primitives::page_size;

impl<T: Config> Pallet<T> {
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

	/// The records anchored for a patient, oldest first, `limit` at most, after record
	/// `start_after`.
	///
	/// A patient's listing holds record ids in anchoring order, and ids are assigned in
	/// increasing order, so the position after `start_after` is found by binary search: a
	/// page costs `O(log n + limit)` reads.
	pub fn records_of_patient(
		patient: T::AccountId,
		start_after: Option<RecordId>,
		limit: u32,
	) -> Page<RecordId, RecordOf<T>> {
		let count = PatientRecordCount::<T>::get(&patient);
		let at = |position: u32| PatientRecords::<T>::get(&patient, position);
		let start = match start_after {
			None => 0,
			Some(after) => {
				let (mut low, mut high) = (0, count);
				while low < high {
					let middle = low + (high - low) / 2;
					if at(middle).is_some_and(|id| id <= after) {
						low = middle + 1;
					} else {
						high = middle;
					}
				}
				low
			},
		};
		let end = start.saturating_add(page_size(limit)).min(count);
		let items: Vec<_> = (start..end)
			.filter_map(at)
			.filter_map(|id| Records::<T>::get(id).map(|record| (id, record)))
			.collect();
		let next = if end < count { items.last().map(|(id, _)| *id) } else { None };
		Page { items, next }
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

	/// The entries of a patient's access log still in storage, oldest first, `limit` at most,
	/// after position `start_after` (`None`: from the oldest kept).
	pub fn access_log_of_patient(
		patient: T::AccountId,
		start_after: Option<AccessSeq>,
		limit: u32,
	) -> Page<AccessSeq, AccessEntryOf<T>> {
		let log = AccessLogs::<T>::get(&patient);
		let first = start_after.map_or(log.folded, |after| after.saturating_add(1).max(log.folded));
		let end = first.saturating_add(u64::from(page_size(limit))).min(log.next);
		let items: Vec<_> = (first..end)
			.filter_map(|seq| AccessLogEntries::<T>::get(&patient, seq).map(|entry| (seq, entry)))
			.collect();
		let next = if end < log.next { end.checked_sub(1) } else { None };
		Page { items, next }
	}

	/// The state of a patient's access log: entries ever logged, entries rolled into the
	/// digest, the digest and the block of its newest entry.
	pub fn access_log_digest(patient: T::AccountId) -> AccessLogOf<T> {
		AccessLogs::<T>::get(&patient)
	}
}
