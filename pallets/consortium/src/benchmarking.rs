//! Benchmarks of the consortium pallet's calls (v2 syntax). Admission and removal are
//! measured against the number of hospitals already admitted, which the council's sorted
//! member list grows with.

use super::*;
use crate::Pallet as Consortium;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::{traits::EnsureOrigin, BoundedVec};
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};
use sp_runtime::traits::Get;

/// A hospital name of the longest allowed length.
fn name<T: Config>() -> BoundedVec<u8, T::MaxNameLen> {
	BoundedVec::truncate_from(vec![b'h'; T::MaxNameLen::get() as usize])
}

/// Admits hospitals until there are `h`, each a validator.
fn fill<T: Config>(h: u32) {
	let mut i = 0;
	let mut admitted = vec![];
	while Hospitals::<T>::count() < h {
		let hospital: T::AccountId = account("hospital", i, 0);
		let attestor: T::AccountId = account("attestor", i, 0);
		if Consortium::<T>::insert_hospital(hospital.clone(), name::<T>(), attestor, Roles::ALL)
			.is_ok()
		{
			admitted.push(hospital);
		}
		i += 1;
	}
	admitted.sort();
	let _ = Consortium::<T>::sync_council(&admitted, &[]);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn admit_hospital(h: Linear<1, { T::MaxHospitals::get() - 1 }>) -> Result<(), BenchmarkError> {
		fill::<T>(h);
		let origin =
			T::MembershipOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let hospital: T::AccountId = account("new-hospital", 0, 0);
		let attestor: T::AccountId = account("new-attestor", 0, 0);
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, hospital.clone(), name::<T>().to_vec(), attestor, Roles::ALL);
		assert!(Hospitals::<T>::contains_key(&hospital));
		Ok(())
	}

	#[benchmark]
	fn remove_hospital(h: Linear<2, { T::MaxHospitals::get() }>) -> Result<(), BenchmarkError> {
		fill::<T>(h.max(T::MinValidators::get() + 1));
		let origin =
			T::MembershipOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let hospital = Hospitals::<T>::iter_keys().next().ok_or(BenchmarkError::Weightless)?;
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, hospital.clone());
		assert!(!Hospitals::<T>::contains_key(&hospital));
		Ok(())
	}

	#[benchmark]
	fn set_roles() -> Result<(), BenchmarkError> {
		fill::<T>(T::MinValidators::get() + 1);
		let origin =
			T::MembershipOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let hospital = Hospitals::<T>::iter_keys().next().ok_or(BenchmarkError::Weightless)?;
		let roles = Roles { custodian: true, ..Default::default() };
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, hospital.clone(), roles);
		assert_eq!(Hospitals::<T>::get(&hospital).map(|h| h.roles), Some(roles));
		Ok(())
	}

	#[benchmark]
	fn set_attestor() -> Result<(), BenchmarkError> {
		fill::<T>(1);
		let hospital = Hospitals::<T>::iter_keys().next().ok_or(BenchmarkError::Weightless)?;
		let attestor: T::AccountId = account("rotated-attestor", 0, 0);
		#[extrinsic_call]
		_(RawOrigin::Signed(hospital.clone()), attestor.clone());
		assert_eq!(AttestorOwner::<T>::get(&attestor), Some(hospital));
		Ok(())
	}

	#[benchmark]
	fn set_session_length() -> Result<(), BenchmarkError> {
		let origin =
			T::MembershipOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let blocks: BlockNumberFor<T> = 600u32.into();
		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, blocks);
		assert_eq!(SessionLength::<T>::get(), blocks);
		Ok(())
	}

	impl_benchmark_test_suite!(Consortium, crate::mock::new_test_ext(), crate::mock::Test);
}
