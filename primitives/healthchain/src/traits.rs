//! The traits through which pallets ask and tell each other: a consent check, a record lookup,
//! the attestor registry, and the hooks through which the consent and records pallets tell the
//! attestation pallet that a permission or a record changed. The runtime wires the providing
//! pallets in; no pallet reads another's storage.
//!
//! Complete test doubles of these traits are in the `testing` module (feature `test-utils`).

#[cfg(feature = "runtime-benchmarks")]
use crate::consent::DataClass;
use crate::consent::{
	AccessBasis, ConsentId, DataTarget, DenialReason, EmergencyAccessId, Purpose,
};
use crate::records::{Commitment, RecordId, RecordStatus, RecordSummary};
use alloc::vec::Vec;
use frame_support::weights::Weight;

/// Asks whether a patient's consent lets a grantee use some data for a purpose.
///
/// Implemented by `pallet-consent`'s `Pallet`; the records and attestation pallets take it through
/// their `Config` (`type ConsentCheck: ConsentCheck<Self::AccountId, BlockNumberFor<Self>>`).
/// Every method answers in bounded time: it reads at most `MaxConsentsPerPair` consents of the
/// (patient, grantee) pair, plus one break-glass entry. Charge [`ConsentCheck::check_weight`]
/// for each call in the caller's own weight.
pub trait ConsentCheck<AccountId, BlockNumber> {
	/// Whether a consent of `patient` permits `grantee` to use `target` for `purpose` at block
	/// `now`: the id of a covering permit, or why not. An active deny that overlaps the request
	/// wins over every permit. Break-glass accesses are not consents and do not count here.
	fn is_permitted(
		patient: &AccountId,
		grantee: &AccountId,
		purpose: Purpose,
		target: &DataTarget,
		now: BlockNumber,
	) -> Result<ConsentId, DenialReason>;

	/// The break-glass access `grantee` holds on `patient`'s data at block `now`, if one is
	/// open. A break-glass access is for emergency treatment only.
	fn has_emergency_access(
		patient: &AccountId,
		grantee: &AccountId,
		now: BlockNumber,
	) -> Option<EmergencyAccessId>;

	/// The full access decision: a covering permit, or, for `EmergencyTreatment` only, an open
	/// break-glass access. Break-glass overrides a patient's deny (that is its purpose; every
	/// use is evented and listed for review).
	fn check_access(
		patient: &AccountId,
		grantee: &AccountId,
		purpose: Purpose,
		target: &DataTarget,
		now: BlockNumber,
	) -> Result<AccessBasis, DenialReason>
	where
		BlockNumber: Clone,
	{
		match Self::is_permitted(patient, grantee, purpose, target, now.clone()) {
			Ok(id) => Ok(AccessBasis::Consent(id)),
			Err(reason) if purpose == Purpose::EmergencyTreatment => {
				Self::has_emergency_access(patient, grantee, now)
					.map(AccessBasis::EmergencyAccess)
					.ok_or(reason)
			},
			Err(reason) => Err(reason),
		}
	}

	/// Worst-case weight of one call to any method of this trait (including `check_access`).
	fn check_weight() -> Weight;

	/// Makes `is_permitted(patient, grantee, purpose, target, _)` succeed from the current
	/// block on, for the benchmarks of pallets that depend on a consent check.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_permit(
		_patient: &AccountId,
		_grantee: &AccountId,
		_purpose: Purpose,
		_target: &DataTarget,
	) -> Result<ConsentId, frame_support::pallet_prelude::DispatchError> {
		Ok(0)
	}
}

/// A consent check that denies everything (`NoConsent`, no break-glass), at no weight.
///
/// The unit type `()` behaves the same.
pub struct DenyAll;

impl<AccountId, BlockNumber> ConsentCheck<AccountId, BlockNumber> for DenyAll {
	fn is_permitted(
		_: &AccountId,
		_: &AccountId,
		_: Purpose,
		_: &DataTarget,
		_: BlockNumber,
	) -> Result<ConsentId, DenialReason> {
		Err(DenialReason::NoConsent)
	}

	fn has_emergency_access(
		_: &AccountId,
		_: &AccountId,
		_: BlockNumber,
	) -> Option<EmergencyAccessId> {
		None
	}

	fn check_weight() -> Weight {
		Weight::zero()
	}
}

impl<AccountId, BlockNumber> ConsentCheck<AccountId, BlockNumber> for () {
	fn is_permitted(
		patient: &AccountId,
		grantee: &AccountId,
		purpose: Purpose,
		target: &DataTarget,
		now: BlockNumber,
	) -> Result<ConsentId, DenialReason> {
		DenyAll::is_permitted(patient, grantee, purpose, target, now)
	}

	fn has_emergency_access(
		patient: &AccountId,
		grantee: &AccountId,
		now: BlockNumber,
	) -> Option<EmergencyAccessId> {
		<DenyAll as ConsentCheck<AccountId, BlockNumber>>::has_emergency_access(
			patient, grantee, now,
		)
	}

	fn check_weight() -> Weight {
		Weight::zero()
	}
}

/// A consent check that permits everything as consent `0`, at no weight. For tests and
/// benchmarks of other pallets only: never in a runtime.
pub struct PermitAll;

impl<AccountId, BlockNumber> ConsentCheck<AccountId, BlockNumber> for PermitAll {
	fn is_permitted(
		_: &AccountId,
		_: &AccountId,
		_: Purpose,
		_: &DataTarget,
		_: BlockNumber,
	) -> Result<ConsentId, DenialReason> {
		Ok(0)
	}

	fn has_emergency_access(
		_: &AccountId,
		_: &AccountId,
		_: BlockNumber,
	) -> Option<EmergencyAccessId> {
		None
	}

	fn check_weight() -> Weight {
		Weight::zero()
	}
}

/// Reads what another pallet needs to know about an anchored record.
///
/// Implemented by `pallet-records`' `Pallet`; the attestation pallet takes it through its `Config`
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

	/// Whether `custodian` holds record `id`: it anchored the record, or the record's custodian
	/// shared the record with it on chain. Only a holder's node can read the record, so only
	/// a holder's attestor may attest inferences on it. `false` for an unknown record.
	fn is_holder(id: RecordId, custodian: &AccountId) -> bool;

	/// Worst-case weight of one call to any method of this trait.
	fn lookup_weight() -> Weight;

	/// Makes `custodian` a holder of record `id`, for the benchmarks of pallets that depend on
	/// a record lookup.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_holder(
		_id: RecordId,
		_custodian: &AccountId,
	) -> Result<(), frame_support::pallet_prelude::DispatchError> {
		Ok(())
	}

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

	fn is_holder(_: RecordId, _: &AccountId) -> bool {
		false
	}

	fn lookup_weight() -> Weight {
		Weight::zero()
	}
}

/// The attestors: the accounts whose signed inference results count, each bound to the
/// custodian (hospital) whose node signs with it.
///
/// Implemented by `pallet-consortium`'s `Attestors` (a hospital with the attestor role has one
/// attestor account); the attestation pallet takes it through its `Config` (`type Attestors`).
/// `custodian_of` reads at most two storage entries.
pub trait AttestorRegistry<AccountId> {
	/// The custodian whose node signs with `attestor`, if `attestor` is a registered attestor
	/// now. Two attestor accounts never belong to one custodian at the same time.
	fn custodian_of(attestor: &AccountId) -> Option<AccountId>;

	/// Whether `who` is a registered attestor now.
	fn is_attestor(who: &AccountId) -> bool {
		Self::custodian_of(who).is_some()
	}

	/// Every registered attestor account, sorted. Reads every member: for queries, not calls.
	fn attestors() -> Vec<AccountId>;

	/// Registers `attestor` as the attestor of `custodian`, for the benchmarks of pallets that
	/// depend on the registry.
	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_attestor(_attestor: &AccountId, _custodian: &AccountId) {}
}

/// No attestors at all.
impl<AccountId> AttestorRegistry<AccountId> for () {
	fn custodian_of(_: &AccountId) -> Option<AccountId> {
		None
	}

	fn attestors() -> Vec<AccountId> {
		Vec::new()
	}
}

/// What the records pallet tells other pallets when a record changes, in the same call as the
/// change: the attestation pallet cancels the open requests on the record at once.
///
/// Each method returns the weight it used, at most [`OnRecordChange::max_weight`], which the
/// records pallet charges in the weight of the calls that change records.
pub trait OnRecordChange<AccountId> {
	/// Record `id` was erased by `by` (its patient or its custodian).
	fn on_erased(id: RecordId, by: &AccountId) -> Weight;

	/// Record `id` has a new current version, anchored by its custodian `by`: the older
	/// versions are superseded.
	fn on_amended(id: RecordId, by: &AccountId) -> Weight;

	/// The worst-case weight of one call of either method.
	fn max_weight() -> Weight;
}

/// Nobody listens.
impl<AccountId> OnRecordChange<AccountId> for () {
	fn on_erased(_: RecordId, _: &AccountId) -> Weight {
		Weight::zero()
	}

	fn on_amended(_: RecordId, _: &AccountId) -> Weight {
		Weight::zero()
	}

	fn max_weight() -> Weight {
		Weight::zero()
	}
}

/// What the consent pallet tells other pallets when a patient's consent may have withdrawn a
/// permission, in the same call: a permit was revoked, or a deny was granted. The attestation
/// pallet re-checks the open requests of the (patient, grantee) pair and cancels those no
/// longer permitted.
///
/// Consents that end by time (`valid_until`) call nothing: every later use checks again.
pub trait OnConsentChange<AccountId> {
	/// A consent change by `by` (the patient or a delegate) may have withdrawn a permission
	/// `patient` gave `grantee`. Returns the weight used, at most
	/// [`OnConsentChange::max_weight`].
	fn on_permission_narrowed(patient: &AccountId, grantee: &AccountId, by: &AccountId) -> Weight;

	/// The worst-case weight of one call of `on_permission_narrowed`.
	fn max_weight() -> Weight;
}

/// Nobody listens.
impl<AccountId> OnConsentChange<AccountId> for () {
	fn on_permission_narrowed(_: &AccountId, _: &AccountId, _: &AccountId) -> Weight {
		Weight::zero()
	}

	fn max_weight() -> Weight {
		Weight::zero()
	}
}
