//! Delegations: appointing, withdrawing and removing a patient's representatives, and the
//! check that a representative may still act for the patient.

use crate::{pallet::*, types::*, DelegationOf};
use frame_support::{
	ensure,
	pallet_prelude::{DispatchError, DispatchResult, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Appoints (or renews) `delegate` as a representative of `patient`: the body of
	/// `appoint_delegate`.
	pub(crate) fn do_appoint_delegate(
		patient: T::AccountId,
		delegate: T::AccountId,
		role: RepresentativeRole,
		expires_at: BlockNumberFor<T>,
	) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(delegate != patient, Error::<T>::CannotDelegateToSelf);
		ensure!(expires_at > now, Error::<T>::ExpiryNotInFuture);
		match Delegations::<T>::get(&patient, &delegate) {
			Some(mut delegation) => {
				delegation.role = role;
				delegation.appointed_at = now;
				delegation.expires_at = expires_at;
				Delegations::<T>::insert(&patient, &delegate, delegation);
			},
			None => {
				let count = DelegateCount::<T>::get(&patient);
				ensure!(count < T::MaxDelegatesPerPatient::get(), Error::<T>::TooManyDelegates);
				let deposit = T::DelegationDeposit::get();
				Self::hold_deposit(HoldReason::DelegationDeposit, &patient, deposit)?;
				Delegations::<T>::insert(
					&patient,
					&delegate,
					Delegation { role, appointed_at: now, expires_at, deposit },
				);
				DelegateCount::<T>::insert(&patient, count.saturating_add(1));
			},
		}
		Self::deposit_event(Event::DelegateAppointed { patient, delegate, role, expires_at });
		Ok(())
	}

	/// Withdraws the delegation `patient` gave `delegate`: the body of `withdraw_delegation`.
	pub(crate) fn do_withdraw_delegation(
		patient: T::AccountId,
		delegate: T::AccountId,
	) -> DispatchResult {
		Self::do_remove_delegation(&patient, &delegate)?;
		Self::deposit_event(Event::DelegationWithdrawn { patient, delegate });
		Ok(())
	}

	/// Removes an expired delegation past its retention period, acted by `actor` (anyone): the
	/// body of `remove_delegation`.
	pub(crate) fn do_remove_expired_delegation(
		actor: T::AccountId,
		patient: T::AccountId,
		delegate: T::AccountId,
	) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		let delegation =
			Delegations::<T>::get(&patient, &delegate).ok_or(Error::<T>::DelegationNotFound)?;
		ensure!(
			now >= delegation.expires_at.saturating_add(T::RetentionPeriod::get()),
			Error::<T>::RetentionPeriodNotOver
		);
		Self::do_remove_delegation(&patient, &delegate)?;
		Self::deposit_event(Event::DelegationRemoved { patient, delegate, actor });
		Ok(())
	}

	/// The delegation `delegate` holds from `patient`, if it is still valid at `now`.
	pub(crate) fn active_delegation(
		patient: &T::AccountId,
		delegate: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> Result<DelegationOf<T>, DispatchError> {
		let delegation =
			Delegations::<T>::get(patient, delegate).ok_or(Error::<T>::NotPatientOrDelegate)?;
		ensure!(now < delegation.expires_at, Error::<T>::DelegationExpired);
		Ok(delegation)
	}

	/// Removes a delegation, releasing its deposit to the patient.
	pub(crate) fn do_remove_delegation(
		patient: &T::AccountId,
		delegate: &T::AccountId,
	) -> DispatchResult {
		let delegation =
			Delegations::<T>::take(patient, delegate).ok_or(Error::<T>::DelegationNotFound)?;
		DelegateCount::<T>::mutate_exists(patient, |count| {
			let left = count.unwrap_or(0).saturating_sub(1);
			*count = if left == 0 { None } else { Some(left) };
		});
		Self::release_deposit(HoldReason::DelegationDeposit, patient, delegation.deposit)
	}
}
