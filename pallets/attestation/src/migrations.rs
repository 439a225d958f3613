//! Storage migrations of the attestation pallet.
//!
//! - [`v1::MigrateToV1`]: storage version 0 → 1. Version 0 kept its own attestor list
//!   (`Attestors`, a counted map filled by `add_attestor`); from version 1 the runtime's
//!   `Config::Attestors` (the consortium's hospitals) is the only list, and the old map and its
//!   counter are removed.

/// Version 0 → 1: the pallet's own attestor list is removed.
pub mod v1 {
	use crate::{Config, Pallet, LOG_TARGET};
	#[cfg(feature = "try-runtime")]
	use alloc::vec::Vec;
	use frame_support::{
		migrations::VersionedMigration, pallet_prelude::*, storage_alias,
		traits::UncheckedOnRuntimeUpgrade,
	};
	use frame_system::pallet_prelude::BlockNumberFor;

	/// The attestor list of storage version 0.
	#[storage_alias]
	pub(crate) type Attestors<T: Config> = CountedStorageMap<
		Pallet<T>,
		Blake2_128Concat,
		<T as frame_system::Config>::AccountId,
		BlockNumberFor<T>,
	>;

	/// Removes the version-0 attestor list. Attestors registered there keep the provider
	/// reference `add_attestor` gave their account (removing it could reap an account that
	/// holds funds); the consortium gives its hospitals' attestor accounts their own.
	pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let removed = Attestors::<T>::clear(u32::MAX, None);
			log::info!(
				target: LOG_TARGET,
				"attestation v1: removed {} entries of the pallet's own attestor list",
				removed.unique,
			);
			// Each entry once, plus the counter.
			T::DbWeight::get().reads_writes(
				u64::from(removed.loops).saturating_add(1),
				u64::from(removed.unique).saturating_add(1),
			)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<Vec<u8>, sp_runtime::TryRuntimeError> {
			use codec::Encode;
			Ok(Attestors::<T>::count().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			use codec::Decode;
			let before = u32::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("pre-upgrade state undecodable"))?;
			log::info!(target: LOG_TARGET, "attestation v1: {before} attestors before the upgrade");
			ensure!(Attestors::<T>::count() == 0, "attestor counter left behind");
			ensure!(Attestors::<T>::iter_keys().next().is_none(), "attestor entries left behind");
			Ok(())
		}
	}

	/// [`InnerMigrateV0ToV1`], run only when the on-chain storage version is 0; it then sets
	/// version 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
