//! Attestors: the accounts governance allows to submit results. Registering one gives its
//! account a provider reference, so that it needs no funds to exist and send its fee-less
//! submissions; removing it gives the reference back when it can.

use crate::{Attestors, Config, Error, Event, Pallet, LOG_TARGET};
use frame_support::{dispatch::DispatchResult, ensure, pallet_prelude::DispatchError, traits::Get};

impl<T: Config> Pallet<T> {
	/// Registers an attestor and gives its account a provider reference.
	pub(crate) fn do_add_attestor(attestor: T::AccountId) -> Result<(), DispatchError> {
		ensure!(!Attestors::<T>::contains_key(&attestor), Error::<T>::AlreadyAttestor);
		ensure!(Attestors::<T>::count() < T::MaxAttestors::get(), Error::<T>::TooManyAttestors);
		frame_system::Pallet::<T>::inc_providers(&attestor);
		Attestors::<T>::insert(&attestor, frame_system::Pallet::<T>::block_number());
		Ok(())
	}

	/// Removes the attestor `attestor` and releases its provider reference (the logic of
	/// `remove_attestor`).
	pub(crate) fn do_remove_attestor(attestor: T::AccountId) -> DispatchResult {
		ensure!(Attestors::<T>::contains_key(&attestor), Error::<T>::NotAttestor);
		Attestors::<T>::remove(&attestor);
		if let Err(error) = frame_system::Pallet::<T>::dec_providers(&attestor) {
			// The account has consumers (e.g. holds) and no other provider: keep our
			// reference rather than keep a removed attestor.
			log::warn!(
				target: LOG_TARGET,
				"attestor removed, provider reference kept: {error:?}",
			);
		}
		Self::deposit_event(Event::AttestorRemoved { attestor });
		Ok(())
	}
}
