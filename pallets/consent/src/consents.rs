//! Consents: granting, revoking and removing them, the evaluation a consent check runs, the
//! counters by purpose and data class, and the storage deposits consents and delegations hold.

use crate::{pallet::*, types::*, weights::WeightInfo, BalanceOf, ConsentOf, ProvisionOf};
use frame_support::{
	ensure,
	pallet_prelude::{DispatchError, DispatchResult, DispatchResultWithPostInfo, Get, Weight},
	traits::{fungible::MutateHold, tokens::Precision},
};
use frame_system::pallet_prelude::BlockNumberFor;
use healthchain_primitives::OnConsentChange;
use sp_runtime::traits::{Saturating, Zero};

impl<T: Config> Pallet<T> {
	/// Grants a consent for `patient`, acted by `actor` (the patient or a delegate).
	pub(crate) fn do_grant_consent(
		actor: T::AccountId,
		patient: T::AccountId,
		grantee: T::AccountId,
		provision: ProvisionOf<T>,
	) -> Result<ConsentId, DispatchError> {
		let now = frame_system::Pallet::<T>::block_number();
		let Provision { decision, mut purposes, mut data, valid_from, valid_until, policy } =
			provision;

		ensure!(grantee != patient, Error::<T>::CannotGrantToSelf);
		if actor != patient {
			let delegation = Self::active_delegation(&patient, &actor, now)?;
			ensure!(
				decision != Decision::Permit || grantee != actor,
				Error::<T>::DelegateCannotPermitSelf
			);
			ensure!(
				valid_until.is_some_and(|until| until <= delegation.expires_at),
				Error::<T>::ConsentOutlivesDelegation
			);
		}

		ensure!(!purposes.is_empty(), Error::<T>::NoPurpose);
		purposes.sort();
		ensure!(purposes.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicatePurpose);
		ensure!(!data.is_empty(), Error::<T>::NoDataScope);
		data.sort();
		ensure!(data.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicateDataScope);
		ensure!(policy.as_ref().is_none_or(|p| !p.is_empty()), Error::<T>::EmptyPolicyReference);

		let valid_from = valid_from.map_or(now, |from| from.max(now));
		ensure!(valid_until.is_none_or(|until| until > valid_from), Error::<T>::EmptyPeriod);

		let consent_id = NextConsentId::<T>::get();
		let next_id = consent_id.checked_add(1).ok_or(Error::<T>::ConsentIdsExhausted)?;
		let mut by_pair = ConsentsByPair::<T>::get(&patient, &grantee);
		by_pair.try_push(consent_id).map_err(|_| Error::<T>::TooManyConsentsForPair)?;
		let mut by_patient = ConsentsByPatient::<T>::get(&patient);
		by_patient.try_push(consent_id).map_err(|_| Error::<T>::TooManyConsentsForPatient)?;

		let deposit = T::ConsentDeposit::get();
		Self::hold_deposit(HoldReason::ConsentDeposit, &patient, deposit)?;

		let consent = Consent {
			patient: patient.clone(),
			grantee: grantee.clone(),
			decision,
			purposes,
			data,
			valid_from,
			valid_until,
			policy,
			granted_by: actor.clone(),
			granted_at: now,
			revoked: None,
			deposit,
		};
		Self::count_consent(&consent, true);
		Consents::<T>::insert(consent_id, consent);
		ConsentsByPair::<T>::insert(&patient, &grantee, by_pair);
		ConsentsByPatient::<T>::insert(&patient, by_patient);
		ConsentsByGrantee::<T>::insert(&grantee, consent_id, ());
		NextConsentId::<T>::put(next_id);

		Self::deposit_event(Event::ConsentGranted {
			consent_id,
			patient,
			grantee,
			decision,
			actor,
		});
		Ok(consent_id)
	}

	/// Revokes a consent, acted by `actor` (the patient or a delegate): the body of
	/// `revoke_consent`.
	pub(crate) fn do_revoke_consent(
		actor: T::AccountId,
		consent_id: ConsentId,
	) -> DispatchResultWithPostInfo {
		let now = frame_system::Pallet::<T>::block_number();
		let consent = Consents::<T>::try_mutate(consent_id, |entry| {
			let consent = entry.as_mut().ok_or(Error::<T>::ConsentNotFound)?;
			if actor != consent.patient {
				Self::active_delegation(&consent.patient, &actor, now)?;
			}
			ensure!(consent.revoked.is_none(), Error::<T>::AlreadyRevoked);
			consent.revoked = Some(Revocation { by: actor.clone(), at: now });
			Ok::<_, DispatchError>(consent.clone())
		})?;
		Self::count_consent(&consent, false);
		// Revoking a permit may withdraw what it permitted; revoking a deny withdraws nothing.
		let hooks = if consent.decision == Decision::Permit {
			T::OnConsentChange::on_permission_narrowed(&consent.patient, &consent.grantee, &actor)
		} else {
			Weight::zero()
		};
		Self::deposit_event(Event::ConsentRevoked {
			consent_id,
			patient: consent.patient,
			grantee: consent.grantee,
			actor,
		});
		Ok(Some(
			T::WeightInfo::revoke_consent(consent.purposes.len() as u32, consent.data.len() as u32)
				.saturating_add(hooks),
		)
		.into())
	}

	/// Removes a revoked or expired consent past its retention period, releasing its deposit:
	/// the body of `remove_consent`.
	pub(crate) fn do_remove_consent(
		actor: T::AccountId,
		consent_id: ConsentId,
	) -> DispatchResultWithPostInfo {
		let now = frame_system::Pallet::<T>::block_number();
		let consent = Consents::<T>::get(consent_id).ok_or(Error::<T>::ConsentNotFound)?;
		let ended_at = [
			consent.revoked.as_ref().map(|r| r.at),
			consent.valid_until.filter(|until| *until <= now),
		]
		.into_iter()
		.flatten()
		.min()
		.ok_or(Error::<T>::ConsentStillInForce)?;
		ensure!(
			now >= ended_at.saturating_add(T::RetentionPeriod::get()),
			Error::<T>::RetentionPeriodNotOver
		);

		Consents::<T>::remove(consent_id);
		ConsentsByPair::<T>::mutate_exists(&consent.patient, &consent.grantee, |ids| {
			if let Some(list) = ids {
				list.retain(|id| *id != consent_id);
				if list.is_empty() {
					*ids = None;
				}
			}
		});
		ConsentsByPatient::<T>::mutate_exists(&consent.patient, |ids| {
			if let Some(list) = ids {
				list.retain(|id| *id != consent_id);
				if list.is_empty() {
					*ids = None;
				}
			}
		});
		ConsentsByGrantee::<T>::remove(&consent.grantee, consent_id);
		if consent.revoked.is_none() {
			Self::count_consent(&consent, false);
		}
		Self::release_deposit(HoldReason::ConsentDeposit, &consent.patient, consent.deposit)?;
		Self::deposit_event(Event::ConsentRemoved {
			consent_id,
			patient: consent.patient,
			deposit: consent.deposit,
			actor,
		});
		Ok(Some(T::WeightInfo::remove_consent(
			consent.purposes.len() as u32,
			consent.data.len() as u32,
		))
		.into())
	}

	/// Adds (`add`) or subtracts a consent from the counters by purpose and data class.
	fn count_consent(consent: &ConsentOf<T>, add: bool) {
		let step = |count: &mut Option<u32>| {
			let value = count.unwrap_or(0);
			let value = if add { value.saturating_add(1) } else { value.saturating_sub(1) };
			*count = if value == 0 { None } else { Some(value) };
		};
		for purpose in consent.purposes.iter() {
			ConsentCountByPurpose::<T>::mutate_exists(consent.decision, purpose, step);
		}
		for class in consent.data_classes() {
			ConsentCountByDataClass::<T>::mutate_exists(consent.decision, class, step);
		}
	}

	/// Holds a deposit on `who`'s account.
	pub(crate) fn hold_deposit(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::hold(&reason.into(), who, amount)
			.map_err(|_| Error::<T>::InsufficientBalanceForDeposit.into())
	}

	/// Releases a deposit held on `who`'s account.
	pub(crate) fn release_deposit(
		reason: HoldReason,
		who: &T::AccountId,
		amount: BalanceOf<T>,
	) -> DispatchResult {
		if amount.is_zero() {
			return Ok(());
		}
		T::Currency::release(&reason.into(), who, amount, Precision::BestEffort).map(|_| ())
	}

	/// The consent evaluation: a covering active permit, unless an active deny overlaps.
	///
	/// Reads the (patient, grantee) index and at most `MaxConsentsPerPair` consents.
	pub fn evaluate(
		patient: &T::AccountId,
		grantee: &T::AccountId,
		purpose: Purpose,
		target: &DataTarget,
		now: BlockNumberFor<T>,
	) -> Result<ConsentId, DenialReason> {
		let ids = ConsentsByPair::<T>::get(patient, grantee);
		if ids.is_empty() {
			return Err(DenialReason::NoConsent);
		}
		let mut permit = None;
		let mut inactive = None;
		let mut data_not_covered = false;
		for consent_id in ids {
			let Some(consent) = Consents::<T>::get(consent_id) else { continue };
			if !consent.speaks_of_purpose(purpose) {
				continue;
			}
			let covers_data = consent.speaks_of_data(target);
			match (consent.decision, consent.status_at(now)) {
				(Decision::Deny, ConsentStatus::Active) if covers_data => {
					return Err(DenialReason::ExplicitDeny(consent_id))
				},
				(Decision::Deny, _) => {},
				(Decision::Permit, ConsentStatus::Active) if covers_data => {
					permit.get_or_insert(consent_id);
				},
				(Decision::Permit, ConsentStatus::Active) => data_not_covered = true,
				(Decision::Permit, _) if !covers_data => {},
				(Decision::Permit, ConsentStatus::NotYetValid) => {
					inactive.get_or_insert(DenialReason::NotYetValid(consent_id));
				},
				(Decision::Permit, ConsentStatus::Expired) => {
					inactive.get_or_insert(DenialReason::Expired(consent_id));
				},
				(Decision::Permit, ConsentStatus::Revoked) => {
					inactive.get_or_insert(DenialReason::Revoked(consent_id));
				},
			}
		}
		match (permit, inactive) {
			(Some(consent_id), _) => Ok(consent_id),
			(None, Some(reason)) => Err(reason),
			(None, None) if data_not_covered => Err(DenialReason::DataNotCovered),
			(None, None) => Err(DenialReason::PurposeNotCovered),
		}
	}
}
