//! Break-glass emergency access: opening, reviewing and removing it, pruning a patient's full
//! list, and the check whether a care provider holds an open access.

use crate::{pallet::*, types::*, weights::WeightInfo, EmergencyAccessOf};
use frame_support::{
	ensure,
	pallet_prelude::{BoundedVec, DispatchError, DispatchResult, DispatchResultWithPostInfo, Get},
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Opens a break-glass access of `provider` (a care provider) to `patient`'s data: the body
	/// of `open_emergency_access`.
	pub(crate) fn do_open_emergency_access(
		provider: T::AccountId,
		patient: T::AccountId,
		reason: BoundedVec<u8, T::MaxReasonLen>,
	) -> DispatchResultWithPostInfo {
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(provider != patient, Error::<T>::CannotOpenForSelf);
		ensure!(!reason.is_empty(), Error::<T>::EmptyReason);
		ensure!(
			Self::has_emergency_access_at(&patient, &provider, now).is_none(),
			Error::<T>::EmergencyAccessAlreadyOpen
		);

		let mut accesses = EmergencyAccessesByPatient::<T>::get(&patient);
		let pruned = if accesses.len() as u32 >= T::MaxEmergencyAccessesPerPatient::get() {
			Self::prune_emergency_accesses(&patient, &mut accesses, &provider, now)
		} else {
			0
		};
		let access_id = NextEmergencyAccessId::<T>::get();
		let next_id = access_id.checked_add(1).ok_or(Error::<T>::EmergencyAccessIdsExhausted)?;
		accesses.try_push(access_id).map_err(|_| Error::<T>::TooManyEmergencyAccesses)?;

		let expires_at = now.saturating_add(T::EmergencyAccessDuration::get());
		EmergencyAccesses::<T>::insert(
			access_id,
			EmergencyAccess {
				patient: patient.clone(),
				provider: provider.clone(),
				reason: reason.clone(),
				opened_at: now,
				expires_at,
				review: None,
			},
		);
		EmergencyAccessesByPatient::<T>::insert(&patient, accesses);
		LatestEmergencyAccess::<T>::insert(&patient, &provider, access_id);
		NextEmergencyAccessId::<T>::put(next_id);
		Self::deposit_event(Event::EmergencyAccessOpened {
			access_id,
			patient,
			provider,
			reason,
			expires_at,
		});
		Ok(Some(T::WeightInfo::open_emergency_access(pruned)).into())
	}

	/// Records the review of a break-glass access: the body of `review_emergency_access`.
	pub(crate) fn do_review_emergency_access(
		access_id: EmergencyAccessId,
		outcome: ReviewOutcome,
	) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		let access = EmergencyAccesses::<T>::try_mutate(access_id, |entry| {
			let access = entry.as_mut().ok_or(Error::<T>::EmergencyAccessNotFound)?;
			ensure!(access.review.is_none(), Error::<T>::AlreadyReviewed);
			access.review = Some(EmergencyReview { outcome, reviewed_at: now });
			Ok::<_, DispatchError>(access.clone())
		})?;
		Self::deposit_event(Event::EmergencyAccessReviewed {
			access_id,
			patient: access.patient,
			provider: access.provider,
			outcome,
		});
		Ok(())
	}

	/// Removes an expired break-glass access past its retention period, acted by `actor`
	/// (anyone): the body of `remove_emergency_access`.
	pub(crate) fn do_remove_emergency_access(
		actor: T::AccountId,
		access_id: EmergencyAccessId,
	) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		let access =
			EmergencyAccesses::<T>::get(access_id).ok_or(Error::<T>::EmergencyAccessNotFound)?;
		ensure!(Self::emergency_access_removable(&access, now), Error::<T>::RetentionPeriodNotOver);
		EmergencyAccessesByPatient::<T>::mutate_exists(&access.patient, |ids| {
			if let Some(list) = ids {
				list.retain(|id| *id != access_id);
				if list.is_empty() {
					*ids = None;
				}
			}
		});
		Self::forget_emergency_access(access_id, &access);
		Self::deposit_event(Event::EmergencyAccessRemoved {
			access_id,
			patient: access.patient,
			actor,
		});
		Ok(())
	}

	/// Whether a break-glass access is past its expiry plus the retention period.
	fn emergency_access_removable(access: &EmergencyAccessOf<T>, now: BlockNumberFor<T>) -> bool {
		now >= access.expires_at.saturating_add(T::RetentionPeriod::get())
	}

	/// Removes a break-glass access from the access map and the pair pointer (not from the
	/// patient's list, which the caller maintains).
	fn forget_emergency_access(access_id: EmergencyAccessId, access: &EmergencyAccessOf<T>) {
		EmergencyAccesses::<T>::remove(access_id);
		if LatestEmergencyAccess::<T>::get(&access.patient, &access.provider) == Some(access_id) {
			LatestEmergencyAccess::<T>::remove(&access.patient, &access.provider);
		}
	}

	/// Removes the patient's break-glass accesses that are past retention, returning how many.
	fn prune_emergency_accesses(
		patient: &T::AccountId,
		accesses: &mut BoundedVecOf<EmergencyAccessId, T::MaxEmergencyAccessesPerPatient>,
		actor: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> u32 {
		let mut pruned = 0u32;
		accesses.retain(|access_id| match EmergencyAccesses::<T>::get(access_id) {
			Some(access) if Self::emergency_access_removable(&access, now) => {
				Self::forget_emergency_access(*access_id, &access);
				Self::deposit_event(Event::EmergencyAccessRemoved {
					access_id: *access_id,
					patient: patient.clone(),
					actor: actor.clone(),
				});
				pruned.saturating_inc();
				false
			},
			Some(_) => true,
			// A dangling id: drop it from the list.
			None => false,
		});
		pruned
	}

	/// The open break-glass access `grantee` holds on `patient`'s data at `now`, if any.
	pub fn has_emergency_access_at(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> Option<EmergencyAccessId> {
		let access_id = LatestEmergencyAccess::<T>::get(patient, grantee)?;
		EmergencyAccesses::<T>::get(access_id)
			.filter(|access| access.is_open_at(now))
			.map(|_| access_id)
	}
}

/// A bounded vector (shorthand used by internal signatures).
type BoundedVecOf<Item, Bound> = frame_support::BoundedVec<Item, Bound>;
