//! Invariants of the consortium's storage, checked after every unit test and by try-runtime.

use crate::{AttestorOwner, Config, Hospitals, Pallet, ValidatorCount};
use frame_support::{ensure, traits::Get};
use sp_runtime::TryRuntimeError;

impl<T: Config> Pallet<T> {
	/// Checks that the counters match the hospitals, that every hospital's attestor account
	/// points back to it (and nothing else does), and that the bounds hold.
	pub fn do_try_state() -> Result<(), TryRuntimeError> {
		let count = Hospitals::<T>::iter_keys().count() as u32;
		ensure!(count == Hospitals::<T>::count(), "hospital counter differs from the hospitals");
		ensure!(count <= T::MaxHospitals::get(), "more hospitals than MaxHospitals");

		let validators = Hospitals::<T>::iter_values().filter(|h| h.roles.validator).count() as u32;
		ensure!(
			validators == ValidatorCount::<T>::get(),
			"validator counter differs from the roles"
		);
		if count > 0 {
			ensure!(validators >= T::MinValidators::get(), "fewer validators than MinValidators");
		}

		for (hospital, entry) in Hospitals::<T>::iter() {
			ensure!(
				AttestorOwner::<T>::get(&entry.attestor).as_ref() == Some(&hospital),
				"a hospital's attestor account does not point back to it"
			);
			ensure!(!entry.name.is_empty(), "a hospital has an empty name");
		}
		ensure!(
			AttestorOwner::<T>::iter().count() as u32 == count,
			"an attestor account belongs to no hospital"
		);
		Ok(())
	}
}
