//! Admitting and removing hospitals, changing their roles and attestor accounts, and keeping
//! the council's members in step with the hospitals (one way only: the council never changes
//! the membership on its own).

use crate::{
	AttestorOwner, Config, Error, Hospital, Hospitals, Pallet, Roles, ValidatorCount, LOG_TARGET,
};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::DispatchError, traits::ChangeMembers, BoundedVec};
use sp_runtime::traits::Get;

impl<T: Config> Pallet<T> {
	/// Stores a new hospital with its attestor account and roles (admission and genesis). The
	/// attestor account gets a provider reference so that it exists without funds.
	pub(crate) fn insert_hospital(
		hospital: T::AccountId,
		name: BoundedVec<u8, T::MaxNameLen>,
		attestor: T::AccountId,
		roles: Roles,
	) -> Result<(), DispatchError> {
		ensure!(!Hospitals::<T>::contains_key(&hospital), Error::<T>::AlreadyMember);
		ensure!(!AttestorOwner::<T>::contains_key(&hospital), Error::<T>::AccountIsAnAttestor);
		ensure!(!AttestorOwner::<T>::contains_key(&attestor), Error::<T>::AttestorInUse);
		// The attestor account is its node's alone: never the account its operators sign with
		// (their transactions would race the worker's for nonces), never another hospital's.
		ensure!(attestor != hospital, Error::<T>::AttestorIsGovernanceAccount);
		ensure!(!Hospitals::<T>::contains_key(&attestor), Error::<T>::AttestorInUse);
		ensure!(Hospitals::<T>::count() < T::MaxHospitals::get(), Error::<T>::TooManyHospitals);

		frame_system::Pallet::<T>::inc_providers(&attestor);
		AttestorOwner::<T>::insert(&attestor, &hospital);
		if roles.validator {
			ValidatorCount::<T>::mutate(|count| *count = count.saturating_add(1));
		}
		let admitted_at = frame_system::Pallet::<T>::block_number();
		Hospitals::<T>::insert(&hospital, Hospital { name, attestor, roles, admitted_at });
		Ok(())
	}

	/// Removes a hospital and everything it holds here.
	pub(crate) fn take_hospital(hospital: &T::AccountId) -> Result<Hospital<T>, DispatchError> {
		let entry = Hospitals::<T>::get(hospital).ok_or(Error::<T>::NotMember)?;
		if entry.roles.validator {
			Self::ensure_validator_can_leave()?;
			ValidatorCount::<T>::mutate(|count| *count = count.saturating_sub(1));
		}
		Hospitals::<T>::remove(hospital);
		AttestorOwner::<T>::remove(&entry.attestor);
		Self::release_provider(&entry.attestor);
		Ok(entry)
	}

	/// Replaces the roles of `hospital`.
	pub(crate) fn do_set_roles(hospital: &T::AccountId, roles: Roles) -> Result<(), DispatchError> {
		Hospitals::<T>::try_mutate(hospital, |entry| {
			let entry = entry.as_mut().ok_or(Error::<T>::NotMember)?;
			match (entry.roles.validator, roles.validator) {
				(true, false) => {
					Self::ensure_validator_can_leave()?;
					ValidatorCount::<T>::mutate(|count| *count = count.saturating_sub(1));
				},
				(false, true) => {
					ValidatorCount::<T>::mutate(|count| *count = count.saturating_add(1));
				},
				_ => {},
			}
			entry.roles = roles;
			Ok(())
		})
	}

	/// Gives `hospital` the attestor account `attestor`; returns the one it replaced.
	pub(crate) fn do_set_attestor(
		hospital: &T::AccountId,
		attestor: T::AccountId,
	) -> Result<T::AccountId, DispatchError> {
		let mut entry = Hospitals::<T>::get(hospital).ok_or(Error::<T>::NotMember)?;
		ensure!(entry.attestor != attestor, Error::<T>::SameAttestor);
		ensure!(!AttestorOwner::<T>::contains_key(&attestor), Error::<T>::AttestorInUse);
		ensure!(&attestor != hospital, Error::<T>::AttestorIsGovernanceAccount);
		ensure!(!Hospitals::<T>::contains_key(&attestor), Error::<T>::AttestorInUse);
		let old = core::mem::replace(&mut entry.attestor, attestor.clone());
		frame_system::Pallet::<T>::inc_providers(&attestor);
		AttestorOwner::<T>::insert(&attestor, hospital);
		AttestorOwner::<T>::remove(&old);
		Self::release_provider(&old);
		Hospitals::<T>::insert(hospital, entry);
		Ok(old)
	}

	/// Refuses to lose a validator when only `MinValidators` are left.
	fn ensure_validator_can_leave() -> Result<(), DispatchError> {
		ensure!(ValidatorCount::<T>::get() > T::MinValidators::get(), Error::<T>::TooFewValidators);
		Ok(())
	}

	/// Gives back the provider reference of a former attestor account, when it can.
	fn release_provider(attestor: &T::AccountId) {
		if let Err(error) = frame_system::Pallet::<T>::dec_providers(attestor) {
			// The account has consumers and no other provider: keep the reference rather than
			// leave an account whose consumers have no provider.
			log::warn!(target: LOG_TARGET, "former attestor keeps its provider reference: {error:?}");
		}
	}

	/// The council's members: every hospital's governance account, sorted.
	pub(crate) fn council_members() -> Vec<T::AccountId> {
		let mut members: Vec<T::AccountId> = Hospitals::<T>::iter_keys().collect();
		members.sort();
		members
	}

	/// Tells the council about hospitals that joined and left; returns its new size.
	pub(crate) fn sync_council(incoming: &[T::AccountId], outgoing: &[T::AccountId]) -> u32 {
		let members = Self::council_members();
		T::Council::change_members_sorted(incoming, outgoing, &members);
		members.len() as u32
	}

	/// The governance accounts of the hospitals with the validator role, sorted: the validator
	/// set the next planned session takes.
	pub fn validators() -> Vec<T::AccountId> {
		let mut validators: Vec<T::AccountId> = Hospitals::<T>::iter()
			.filter(|(_, entry)| entry.roles.validator)
			.map(|(account, _)| account)
			.collect();
		validators.sort();
		validators
	}

	/// The hospital (governance account) whose attestor account is `attestor`, if it has the
	/// attestor role.
	pub fn hospital_of_attestor(attestor: &T::AccountId) -> Option<T::AccountId> {
		let hospital = AttestorOwner::<T>::get(attestor)?;
		Hospitals::<T>::get(&hospital).filter(|entry| entry.roles.attestor).map(|_| hospital)
	}

	/// Whether `who` is an admitted hospital whose roles satisfy `has`.
	pub fn has_role(who: &T::AccountId, has: impl Fn(&Roles) -> bool) -> bool {
		Hospitals::<T>::get(who).is_some_and(|entry| has(&entry.roles))
	}
}
