//! Test doubles of the cross-pallet traits, for the mock runtimes of the pallets that consume
//! them (feature `test-utils`): a consumer's mock wires these in and never re-implements a
//! provider.
//!
//! Their state is per test thread, so parallel tests do not see each other's; call `reset`
//! at the start of each test (the mocks' externalities builders do).

use crate::consent::{ConsentId, DataClass, DataTarget, DenialReason, EmergencyAccessId, Purpose};
use crate::records::{Commitment, RecordId, RecordStatus, RecordSummary};
use crate::traits::{
	AttestorRegistry, ConsentCheck, OnConsentChange, OnRecordChange, RecordLookup,
};
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

/// A record as the mock keeps it: the SCALE-encoded summary of its newest version, the
/// commitments of every version, oldest first, and the encoded custodians it was shared with.
#[derive(Clone)]
struct RecordEntry {
	summary: Vec<u8>,
	versions: Vec<Commitment>,
	shared_with: Vec<Vec<u8>>,
}

std::thread_local! {
	static RECORDS: RefCell<Vec<(RecordId, RecordEntry)>> = const { RefCell::new(Vec::new()) };
}

/// A record lookup whose records a test sets: `insert` adds a record, `share` makes another
/// custodian a holder, `amend` gives it a new current commitment, `erase` erases it, `reset`
/// forgets everything. State is per
/// thread, so parallel tests do not see each other's.
pub struct MockRecordLookup;

impl MockRecordLookup {
	/// Adds (or replaces) record `id` with `summary` as its newest version.
	pub fn insert<AccountId: Encode>(id: RecordId, summary: RecordSummary<AccountId>) {
		let entry = RecordEntry {
			versions: alloc::vec![summary.commitment],
			summary: summary.encode(),
			shared_with: Vec::new(),
		};
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

	/// Makes `custodian` a holder of record `id`, as if its custodian shared it. Does nothing
	/// if the record is unknown.
	pub fn share<AccountId: Encode>(id: RecordId, custodian: &AccountId) {
		let custodian = custodian.encode();
		RECORDS.with(|r| {
			if let Some((_, entry)) =
				r.borrow_mut().iter_mut().find(|(existing, _)| *existing == id)
			{
				if !entry.shared_with.contains(&custodian) {
					entry.shared_with.push(custodian);
				}
			}
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

	fn is_holder(id: RecordId, custodian: &AccountId) -> bool {
		let Some(entry) = Self::get(id) else { return false };
		let custodian = custodian.encode();
		let anchoring = RecordSummary::<AccountId>::decode(&mut entry.summary.as_slice())
			.is_ok_and(|summary| summary.custodian.encode() == custodian);
		anchoring || entry.shared_with.contains(&custodian)
	}

	fn lookup_weight() -> Weight {
		Weight::zero()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_holder(
		id: RecordId,
		custodian: &AccountId,
	) -> Result<(), frame_support::pallet_prelude::DispatchError> {
		Self::share(id, custodian);
		Ok(())
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

std::thread_local! {
	/// (encoded attestor, encoded custodian), in registration order.
	static ATTESTORS: RefCell<Vec<(Vec<u8>, Vec<u8>)>> = const { RefCell::new(Vec::new()) };
}

/// An attestor registry whose attestors a test sets: `register` binds an attestor account to
/// a custodian (replacing the custodian's earlier attestor, as a rotated key does),
/// `deregister` removes one, `reset` forgets everything. State is per thread.
pub struct MockAttestors;

impl MockAttestors {
	/// Makes `attestor` the attestor of `custodian`; the custodian's previous attestor, if any,
	/// is no longer registered.
	pub fn register<AccountId: Encode>(attestor: &AccountId, custodian: &AccountId) {
		let (attestor, custodian) = (attestor.encode(), custodian.encode());
		ATTESTORS.with(|a| {
			let mut attestors = a.borrow_mut();
			attestors.retain(|(at, cu)| *at != attestor && *cu != custodian);
			attestors.push((attestor, custodian));
		});
	}

	/// Takes `attestor` out of the registry.
	pub fn deregister<AccountId: Encode>(attestor: &AccountId) {
		let attestor = attestor.encode();
		ATTESTORS.with(|a| a.borrow_mut().retain(|(at, _)| *at != attestor));
	}

	/// Forgets every attestor of this thread.
	pub fn reset() {
		ATTESTORS.with(|a| a.borrow_mut().clear());
	}
}

impl<AccountId: Encode + Decode + Ord> AttestorRegistry<AccountId> for MockAttestors {
	fn custodian_of(attestor: &AccountId) -> Option<AccountId> {
		let attestor = attestor.encode();
		ATTESTORS.with(|a| {
			a.borrow()
				.iter()
				.find(|(at, _)| *at == attestor)
				.and_then(|(_, custodian)| AccountId::decode(&mut custodian.as_slice()).ok())
		})
	}

	fn attestors() -> Vec<AccountId> {
		let mut attestors: Vec<AccountId> = ATTESTORS.with(|a| {
			a.borrow()
				.iter()
				.filter_map(|(attestor, _)| AccountId::decode(&mut attestor.as_slice()).ok())
				.collect()
		});
		attestors.sort();
		attestors
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_attestor(attestor: &AccountId, custodian: &AccountId) {
		Self::register(attestor, custodian);
	}
}

/// A call the records or consent pallet made to its hooks, as [`MockHooks`] saw it (accounts
/// SCALE-encoded).
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum HookCall {
	/// `OnRecordChange::on_erased(record, by)`.
	Erased(RecordId, Vec<u8>),
	/// `OnRecordChange::on_amended(record, by)`.
	Amended(RecordId, Vec<u8>),
	/// `OnConsentChange::on_permission_narrowed(patient, grantee, by)`.
	PermissionNarrowed {
		/// The patient.
		patient: Vec<u8>,
		/// The grantee.
		grantee: Vec<u8>,
		/// Who acted.
		by: Vec<u8>,
	},
}

std::thread_local! {
	static HOOK_CALLS: RefCell<Vec<HookCall>> = const { RefCell::new(Vec::new()) };
}

/// Record and consent hooks that remember every call, so that the providing pallets' tests can
/// check they tell their listeners (and only when they should). Each call reports
/// [`MockHooks::WEIGHT`]. State is per thread.
pub struct MockHooks;

impl MockHooks {
	/// The weight each hook call reports (and `max_weight`).
	pub const WEIGHT: Weight = Weight::from_parts(1_000, 10);

	/// The calls made so far on this thread, oldest first.
	pub fn calls() -> Vec<HookCall> {
		HOOK_CALLS.with(|c| c.borrow().clone())
	}

	/// Forgets the calls of this thread.
	pub fn reset() {
		HOOK_CALLS.with(|c| c.borrow_mut().clear());
	}

	fn push(call: HookCall) -> Weight {
		HOOK_CALLS.with(|c| c.borrow_mut().push(call));
		Self::WEIGHT
	}
}

impl<AccountId: Encode> OnRecordChange<AccountId> for MockHooks {
	fn on_erased(id: RecordId, by: &AccountId) -> Weight {
		Self::push(HookCall::Erased(id, by.encode()))
	}

	fn on_amended(id: RecordId, by: &AccountId) -> Weight {
		Self::push(HookCall::Amended(id, by.encode()))
	}

	fn max_weight() -> Weight {
		Self::WEIGHT
	}
}

impl<AccountId: Encode> OnConsentChange<AccountId> for MockHooks {
	fn on_permission_narrowed(patient: &AccountId, grantee: &AccountId, by: &AccountId) -> Weight {
		Self::push(HookCall::PermissionNarrowed {
			patient: patient.encode(),
			grantee: grantee.encode(),
			by: by.encode(),
		})
	}

	fn max_weight() -> Weight {
		Self::WEIGHT
	}
}
