//! Test doubles of the cross-pallet traits, for the mock runtimes of the pallets that consume
//! them (feature `test-utils`): a consumer's mock wires these in and never re-implements a
//! provider.
//!
//! Their state is per test thread, so parallel tests do not see each other's; call `reset`
//! at the start of each test (the mocks' externalities builders do).

use crate::consent::{ConsentId, DataClass, DataTarget, DenialReason, EmergencyAccessId, Purpose};
use crate::records::{Commitment, RecordId, RecordStatus, RecordSummary};
use crate::traits::{ConsentCheck, RecordLookup};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use core::cell::RefCell;
use frame_support::weights::Weight;

/// (encoded patient, encoded grantee, purpose, consent id).
type Entry = (Vec<u8>, Vec<u8>, Purpose, ConsentId);
/// (encoded patient, encoded grantee, access id).
type EmergencyEntry = (Vec<u8>, Vec<u8>, EmergencyAccessId);

std::thread_local! {
	static PERMITS: RefCell<Vec<Entry>> = const { RefCell::new(Vec::new()) };
	static EMERGENCIES: RefCell<Vec<EmergencyEntry>> = const { RefCell::new(Vec::new()) };
}

/// A consent check whose answers a test sets: `permit` and `open_emergency` add grants,
/// `revoke` and `reset` take them away. Data target and block number are ignored; denial is
/// always `NoConsent`. State is per thread, so parallel tests do not see each other's.
pub struct MockConsentCheck;

impl MockConsentCheck {
	/// Permits `grantee` to use any of `patient`'s data for `purpose`, as consent `id`.
	pub fn permit<AccountId: Encode>(
		patient: &AccountId,
		grantee: &AccountId,
		purpose: Purpose,
		id: ConsentId,
	) {
		PERMITS.with(|p| p.borrow_mut().push((patient.encode(), grantee.encode(), purpose, id)));
	}

	/// Withdraws every permit of (`patient`, `grantee`, `purpose`).
	pub fn revoke<AccountId: Encode>(patient: &AccountId, grantee: &AccountId, purpose: Purpose) {
		let (patient, grantee) = (patient.encode(), grantee.encode());
		PERMITS.with(|p| {
			p.borrow_mut()
				.retain(|(pa, gr, pu, _)| !(*pa == patient && *gr == grantee && *pu == purpose))
		});
	}

	/// Opens break-glass access `id` for `grantee` on `patient`'s data.
	pub fn open_emergency<AccountId: Encode>(
		patient: &AccountId,
		grantee: &AccountId,
		id: EmergencyAccessId,
	) {
		EMERGENCIES.with(|e| e.borrow_mut().push((patient.encode(), grantee.encode(), id)));
	}

	/// Forgets every permit and break-glass access of this thread.
	pub fn reset() {
		PERMITS.with(|p| p.borrow_mut().clear());
		EMERGENCIES.with(|e| e.borrow_mut().clear());
	}
}

impl<AccountId: Encode, BlockNumber> ConsentCheck<AccountId, BlockNumber> for MockConsentCheck {
	fn is_permitted(
		patient: &AccountId,
		grantee: &AccountId,
		purpose: Purpose,
		_: &DataTarget,
		_: BlockNumber,
	) -> Result<ConsentId, DenialReason> {
		let (patient, grantee) = (patient.encode(), grantee.encode());
		PERMITS.with(|p| {
			p.borrow()
				.iter()
				.find(|(pa, gr, pu, _)| *pa == patient && *gr == grantee && *pu == purpose)
				.map(|(_, _, _, id)| *id)
				.ok_or(DenialReason::NoConsent)
		})
	}

	fn has_emergency_access(
		patient: &AccountId,
		grantee: &AccountId,
		_: BlockNumber,
	) -> Option<EmergencyAccessId> {
		let (patient, grantee) = (patient.encode(), grantee.encode());
		EMERGENCIES.with(|e| {
			e.borrow()
				.iter()
				.find(|(pa, gr, _)| *pa == patient && *gr == grantee)
				.map(|(_, _, id)| *id)
		})
	}

	fn check_weight() -> Weight {
		Weight::zero()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_permit(
		patient: &AccountId,
		grantee: &AccountId,
		purpose: Purpose,
		_target: &DataTarget,
	) -> Result<ConsentId, frame_support::pallet_prelude::DispatchError> {
		Self::permit(patient, grantee, purpose, 0);
		Ok(0)
	}
}

/// A record as the mock keeps it: the SCALE-encoded summary of its newest version and the
/// commitments of every version, oldest first.
#[derive(Clone)]
struct RecordEntry {
	summary: Vec<u8>,
	versions: Vec<Commitment>,
}

std::thread_local! {
	static RECORDS: RefCell<Vec<(RecordId, RecordEntry)>> = const { RefCell::new(Vec::new()) };
}

/// A record lookup whose records a test sets: `insert` adds a record, `amend` gives it a
/// new current commitment, `erase` erases it, `reset` forgets everything. State is per
/// thread, so parallel tests do not see each other's.
pub struct MockRecordLookup;

impl MockRecordLookup {
	/// Adds (or replaces) record `id` with `summary` as its newest version.
	pub fn insert<AccountId: Encode>(id: RecordId, summary: RecordSummary<AccountId>) {
		let entry =
			RecordEntry { versions: alloc::vec![summary.commitment], summary: summary.encode() };
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
			let Some((_, entry)) = records.iter_mut().find(|(existing, _)| *existing == id) else {
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

	fn get(id: RecordId) -> Option<RecordEntry> {
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
		let commitment = sp_crypto_hashing::blake2_256(&(b"mock-record", id).encode());
		Self::anchor(id, patient, custodian, commitment, data_class);
		Ok(id)
	}
}
