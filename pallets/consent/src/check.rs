//! The [`ConsentCheck`] implementation of the pallet: what the records and attestation pallets
//! call through their `Config` to ask whether consent (or break-glass access) permits a use.

use crate::{pallet::*, types::*, weights::WeightInfo};
use frame_support::pallet_prelude::{Get, Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use healthchain_primitives::ConsentCheck;

impl<T: Config> ConsentCheck<T::AccountId, BlockNumberFor<T>> for Pallet<T> {
	fn is_permitted(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		purpose: Purpose,
		target: &DataTarget,
		now: BlockNumberFor<T>,
	) -> Result<ConsentId, DenialReason> {
		Self::evaluate(patient, grantee, purpose, target, now)
	}

	fn has_emergency_access(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> Option<EmergencyAccessId> {
		Self::has_emergency_access_at(patient, grantee, now)
	}

	fn check_weight() -> Weight {
		T::WeightInfo::check_consent(T::MaxConsentsPerPair::get())
			.saturating_add(T::WeightInfo::check_emergency_access())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_permit(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		purpose: Purpose,
		target: &DataTarget,
	) -> Result<ConsentId, frame_support::pallet_prelude::DispatchError> {
		use frame_support::traits::fungible::{Inspect, Mutate};
		use sp_runtime::traits::Saturating;
		let funds = T::Currency::minimum_balance()
			.saturating_add(T::ConsentDeposit::get())
			.saturating_add(T::Currency::balance(patient));
		T::Currency::set_balance(patient, funds);
		let data = match target.record {
			Some(record) => DataScope::Record(record),
			None => DataScope::Class(target.class),
		};
		let provision = Provision {
			decision: Decision::Permit,
			purposes: frame_support::BoundedVec::truncate_from(alloc::vec![purpose]),
			data: frame_support::BoundedVec::truncate_from(alloc::vec![data]),
			valid_from: None,
			valid_until: None,
			policy: None,
		};
		Self::do_grant_consent(patient.clone(), patient.clone(), grantee.clone(), provision)
	}
}
