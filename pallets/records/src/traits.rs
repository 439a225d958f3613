//! The record lookup other pallets use, and stand-ins for their mocks.

#[cfg(any(feature = "runtime-benchmarks", feature = "std"))]
use crate::types::DataClass;
use crate::types::{Commitment, RecordId, RecordStatus, RecordSummary};
use frame_support::weights::Weight;

/// Reads what another pallet needs to know about an anchored record.
///
/// Implemented by [`crate::Pallet`]; the attestation pallet takes it through its `Config`
/// (`type RecordLookup: RecordLookup<Self::AccountId>`). Every method reads at most two storage
/// entries; charge [`RecordLookup::lookup_weight`] for each call in the caller's own weight.
pub trait RecordLookup<AccountId> {
	/// The record `id` as of its newest version, or `None` if no record has this id. A record
	/// whose `status` is `Erased` must not be used for new requests.
	fn record(id: RecordId) -> Option<RecordSummary<AccountId>>;

	/// The status of the version of record `id` whose commitment is `commitment`: `Current`,
	/// `Superseded` (a newer version exists) or `Erased`; `None` if the record does not exist
	/// or `commitment` is none of its versions. Use it to check that a commitment read earlier
	/// (at request time) is still the current one.
	fn status_of(id: RecordId, commitment: &Commitment) -> Option<RecordStatus>;

	/// Worst-case weight of one call to any method of this trait.
	fn lookup_weight() -> Weight;

	/// Anchors a record of `patient`, held by `custodian`, of class `data_class`, and returns
	/// its id, for the benchmarks of pallets that depend on a record lookup. The custodian
	/// need not be registered.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_record(
		_custodian: &AccountId,
		_patient: &AccountId,
		_data_class: DataClass,
	) -> Result<RecordId, frame_support::pallet_prelude::DispatchError> {
		Ok(0)
	}
}

/// No records at all: every lookup answers `None`, at no weight.
impl<AccountId> RecordLookup<AccountId> for () {
	fn record(_: RecordId) -> Option<RecordSummary<AccountId>> {
		None
	}

	fn status_of(_: RecordId, _: &Commitment) -> Option<RecordStatus> {
		None
	}

	fn lookup_weight() -> Weight {
		Weight::zero()
	}
}

/// A record lookup for other pallets' mock runtimes, configured per test thread.
#[cfg(feature = "std")]
pub mod testing {
	use super::*;
	use alloc::vec::Vec;
	use codec::{Decode, Encode};
	use core::cell::RefCell;

	/// A record as the mock keeps it: the SCALE-encoded summary of its newest version and the
	/// commitments of every version, oldest first.
	#[derive(Clone)]
	struct Entry {
		summary: Vec<u8>,
		versions: Vec<Commitment>,
	}

	std::thread_local! {
		static RECORDS: RefCell<Vec<(RecordId, Entry)>> = const { RefCell::new(Vec::new()) };
	}

	/// A record lookup whose records a test sets: `insert` adds a record, `amend` gives it a
	/// new current commitment, `erase` erases it, `reset` forgets everything. State is per
	/// thread, so parallel tests do not see each other's.
	pub struct MockRecordLookup;

	impl MockRecordLookup {
		/// Adds (or replaces) record `id` with `summary` as its newest version.
		pub fn insert<AccountId: Encode>(id: RecordId, summary: RecordSummary<AccountId>) {
			let entry =
				Entry { versions: alloc::vec![summary.commitment], summary: summary.encode() };
			RECORDS.with(|r| {
				let mut records = r.borrow_mut();
				records.retain(|(existing, _)| *existing != id);
				records.push((id, entry));
			});
		}

		/// Adds a current record `id` of `patient`, held by `custodian`, with `commitment`, and
		/// returns its summary.
		pub fn anchor<AccountId: Encode + Clone>(
			id: RecordId,
			patient: &AccountId,
			custodian: &AccountId,
			commitment: Commitment,
			data_class: DataClass,
		) -> RecordSummary<AccountId> {
			let summary = RecordSummary {
				patient: patient.clone(),
				custodian: custodian.clone(),
				commitment,
				version: 0,
				data_class,
				status: RecordStatus::Current,
			};
			Self::insert(id, summary.clone());
			summary
		}

		/// Gives record `id` a new current version `commitment`; the old one is superseded.
		/// Does nothing if the record is unknown.
		pub fn amend<AccountId: Encode + Decode>(id: RecordId, commitment: Commitment) {
			Self::update::<AccountId>(id, |summary, versions| {
				summary.commitment = commitment;
				summary.version = summary.version.saturating_add(1);
				versions.push(commitment);
			});
		}

		/// Marks record `id` erased. Does nothing if the record is unknown.
		pub fn erase<AccountId: Encode + Decode>(id: RecordId) {
			Self::update::<AccountId>(id, |summary, _| summary.status = RecordStatus::Erased);
		}

		/// Forgets every record of this thread.
		pub fn reset() {
			RECORDS.with(|r| r.borrow_mut().clear());
		}

		fn update<AccountId: Encode + Decode>(
			id: RecordId,
			change: impl FnOnce(&mut RecordSummary<AccountId>, &mut Vec<Commitment>),
		) {
			RECORDS.with(|r| {
				let mut records = r.borrow_mut();
				let Some((_, entry)) = records.iter_mut().find(|(existing, _)| *existing == id)
				else {
					return;
				};
				if let Ok(mut summary) =
					RecordSummary::<AccountId>::decode(&mut entry.summary.as_slice())
				{
					change(&mut summary, &mut entry.versions);
					entry.summary = summary.encode();
				}
			});
		}

		fn get(id: RecordId) -> Option<Entry> {
			RECORDS.with(|r| {
				r.borrow().iter().find(|(existing, _)| *existing == id).map(|(_, e)| e.clone())
			})
		}
	}

	impl<AccountId: Encode + Decode + Clone> RecordLookup<AccountId> for MockRecordLookup {
		fn record(id: RecordId) -> Option<RecordSummary<AccountId>> {
			let entry = Self::get(id)?;
			RecordSummary::decode(&mut entry.summary.as_slice()).ok()
		}

		fn status_of(id: RecordId, commitment: &Commitment) -> Option<RecordStatus> {
			let entry = Self::get(id)?;
			let summary = RecordSummary::<AccountId>::decode(&mut entry.summary.as_slice()).ok()?;
			if !entry.versions.contains(commitment) {
				return None;
			}
			Some(match summary.status {
				RecordStatus::Erased => RecordStatus::Erased,
				_ if summary.commitment == *commitment => RecordStatus::Current,
				_ => RecordStatus::Superseded,
			})
		}

		fn lookup_weight() -> Weight {
			Weight::zero()
		}

		#[cfg(feature = "runtime-benchmarks")]
		fn set_up_record(
			custodian: &AccountId,
			patient: &AccountId,
			data_class: DataClass,
		) -> Result<RecordId, frame_support::pallet_prelude::DispatchError> {
			let id = RECORDS
				.with(|r| r.borrow().iter().map(|(id, _)| id.saturating_add(1)).max().unwrap_or(0));
			let commitment = sp_io::hashing::blake2_256(&(b"mock-record", id).encode());
			Self::anchor(id, patient, custodian, commitment, data_class);
			Ok(id)
		}
	}
}
