//! The traits through which pallets ask each other: a consent check and a record lookup. The
//! runtime wires the providing pallets in; no pallet reads another's storage.
//!
//! Complete test doubles of both traits are in the `testing` module (feature `test-utils`).

#[cfg(feature = "runtime-benchmarks")]
use crate::consent::DataClass;
use crate::consent::{
	AccessBasis, ConsentId, DataTarget, DenialReason, EmergencyAccessId, Purpose,
};
use crate::records::{Commitment, RecordId, RecordStatus, RecordSummary};
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
