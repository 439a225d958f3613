//! What the consortium feeds to the rest of the runtime: one source of truth for who holds
//! which role, read through traits the runtime wires in.
//!
//! - [`ValidatorOf`]: `pallet-session`'s `ValidatorIdOf`: only a hospital with the validator
//!   role may set session keys (anyone else's `set_keys` fails with `NoAssociatedValidatorId`).
//! - [`Custodians`]: who may anchor records and propose models (`EnsureSignedBy<Custodians<_>>`).
//! - [`Attestors`]: whose signed inference results the attestation pallet accepts, and the
//!   hospital each belongs to (its `AttestorRegistry`).
//! - [`CareProviders`]: hospitals whose governance account may open break-glass access.
//!
//! Each `contains` is one storage read (two for attestors); `sorted_members` lists them.

#[cfg(feature = "runtime-benchmarks")]
use crate::AttestorOwner;
use crate::{Config, Hospitals, Pallet, Roles};
use alloc::vec::Vec;
use core::marker::PhantomData;
use frame_support::traits::SortedMembers;
use healthchain_primitives::AttestorRegistry;
use sp_runtime::traits::Convert;

/// `pallet-session`'s `ValidatorIdOf`: a hospital with the validator role is its own
/// validator id; every other account has none.
pub struct ValidatorOf<T>(PhantomData<T>);

impl<T: Config> Convert<T::AccountId, Option<T::AccountId>> for ValidatorOf<T> {
	fn convert(who: T::AccountId) -> Option<T::AccountId> {
		Pallet::<T>::has_role(&who, |roles| roles.validator).then_some(who)
	}
}

/// The governance accounts of the hospitals whose roles satisfy `has`, sorted.
fn sorted_with<T: Config>(has: impl Fn(&Roles) -> bool) -> Vec<T::AccountId> {
	let mut members: Vec<T::AccountId> = Hospitals::<T>::iter()
		.filter(|(_, entry)| has(&entry.roles))
		.map(|(account, _)| account)
		.collect();
	members.sort();
	members
}

/// An attestor account no one else has, for the next hospital benchmarks admit (an attestor
/// account is never the governance account).
#[cfg(feature = "runtime-benchmarks")]
fn benchmark_attestor<T: Config>() -> T::AccountId {
	frame_benchmarking::account("benchmark-attestor", Hospitals::<T>::count(), 0)
}

/// Admits `who` directly with `roles`, for benchmarks of pallets that need a member.
#[cfg(feature = "runtime-benchmarks")]
fn admit_for_benchmarks<T: Config>(who: &T::AccountId, attestor: &T::AccountId, roles: Roles) {
	use sp_runtime::traits::Get;
	let name =
		frame_support::BoundedVec::truncate_from(alloc::vec![b'h'; T::MaxNameLen::get() as usize]);
	let _ = Pallet::<T>::insert_hospital(who.clone(), name, attestor.clone(), roles);
}

/// The governance accounts of hospitals with the custodian role.
pub struct Custodians<T>(PhantomData<T>);

impl<T: Config> SortedMembers<T::AccountId> for Custodians<T> {
	fn sorted_members() -> Vec<T::AccountId> {
		sorted_with::<T>(|roles| roles.custodian)
	}

	fn contains(who: &T::AccountId) -> bool {
		Pallet::<T>::has_role(who, |roles| roles.custodian)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn add(who: &T::AccountId) {
		let attestor = benchmark_attestor::<T>();
		admit_for_benchmarks::<T>(who, &attestor, Roles { custodian: true, ..Default::default() });
	}
}

/// The hospitals' governance accounts with the care-provider role.
pub struct CareProviders<T>(PhantomData<T>);

impl<T: Config> SortedMembers<T::AccountId> for CareProviders<T> {
	fn sorted_members() -> Vec<T::AccountId> {
		sorted_with::<T>(|roles| roles.care_provider)
	}

	fn contains(who: &T::AccountId) -> bool {
		Pallet::<T>::has_role(who, |roles| roles.care_provider)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn add(who: &T::AccountId) {
		let attestor = benchmark_attestor::<T>();
		admit_for_benchmarks::<T>(
			who,
			&attestor,
			Roles { care_provider: true, ..Default::default() },
		);
	}
}

/// The attestor accounts of hospitals with the attestor role.
pub struct Attestors<T>(PhantomData<T>);

impl<T: Config> SortedMembers<T::AccountId> for Attestors<T> {
	fn sorted_members() -> Vec<T::AccountId> {
		let mut attestors: Vec<T::AccountId> = Hospitals::<T>::iter_values()
			.filter(|entry| entry.roles.attestor)
			.map(|entry| entry.attestor)
			.collect();
		attestors.sort();
		attestors
	}

	fn contains(who: &T::AccountId) -> bool {
		Pallet::<T>::hospital_of_attestor(who).is_some()
	}

	fn count() -> usize {
		Hospitals::<T>::iter_values().filter(|entry| entry.roles.attestor).count()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn add(who: &T::AccountId) {
		// A hospital of its own whose attestor account is `who`.
		if AttestorOwner::<T>::contains_key(who) {
			return;
		}
		let hospital: T::AccountId =
			frame_benchmarking::account("attestor-hospital", Hospitals::<T>::count(), 0);
		admit_for_benchmarks::<T>(&hospital, who, Roles { attestor: true, ..Default::default() });
	}
}

/// The attestation pallet's registry: an attestor account belongs to the hospital whose
/// attestor account it is, while that hospital has the attestor role. The custodian it names
/// is the hospital's governance account, the account that anchors and holds its records.
impl<T: Config> AttestorRegistry<T::AccountId> for Attestors<T> {
	fn custodian_of(attestor: &T::AccountId) -> Option<T::AccountId> {
		Pallet::<T>::hospital_of_attestor(attestor)
	}

	fn attestors() -> Vec<T::AccountId> {
		<Self as SortedMembers<T::AccountId>>::sorted_members()
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn set_up_attestor(attestor: &T::AccountId, custodian: &T::AccountId) {
		if AttestorOwner::<T>::get(attestor).as_ref() == Some(custodian) {
			return;
		}
		admit_for_benchmarks::<T>(
			custodian,
			attestor,
			Roles { attestor: true, custodian: true, ..Default::default() },
		);
	}
}
