//! The consent check other pallets use, and stand-ins for their mocks.

use crate::types::{AccessBasis, DataTarget, DenialReason, EmergencyAccessId, Purpose};
use crate::ConsentId;
use frame_support::weights::Weight;

/// Asks whether a patient's consent lets a grantee use some data for a purpose.
///
/// Implemented by [`crate::Pallet`]; the records and attestation pallets take it through their
/// `Config` (`type ConsentCheck: ConsentCheck<Self::AccountId, BlockNumberFor<Self>>`).
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

/// A consent check for other pallets' mock runtimes, configured per test thread.
#[cfg(feature = "std")]
pub mod testing {
	use super::*;
	use alloc::vec::Vec;
	use codec::Encode;
	use core::cell::RefCell;

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
			PERMITS
				.with(|p| p.borrow_mut().push((patient.encode(), grantee.encode(), purpose, id)));
		}

		/// Withdraws every permit of (`patient`, `grantee`, `purpose`).
		pub fn revoke<AccountId: Encode>(
			patient: &AccountId,
			grantee: &AccountId,
			purpose: Purpose,
		) {
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
	}
}
