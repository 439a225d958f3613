//! Weights of the consortium pallet's calls.
//!
//! `SubstrateWeight` counts each call's storage accesses at the runtime's database weights plus
//! a compute allowance per hospital it lists; `scripts/benchmark.sh pallet_consortium`
//! replaces this file with weights measured by the benchmarks in `benchmarking.rs`.

#![allow(missing_docs)]

use core::marker::PhantomData;
use frame_support::{traits::Get, weights::Weight};

/// Weight functions needed for `pallet_consortium`.
pub trait WeightInfo {
	fn admit_hospital(h: u32) -> Weight;
	fn remove_hospital(h: u32) -> Weight;
	fn set_roles() -> Weight;
	fn set_attestor() -> Weight;
	fn set_session_length() -> Weight;
}

/// Compute allowed per call before storage, in picoseconds.
const BASE: u64 = 30_000_000;
/// Compute allowed per listed hospital (the council's sorted member list), in picoseconds.
const PER_HOSPITAL: u64 = 2_000_000;
/// Proof size per listed hospital (a `Hospitals` key), in bytes.
const PROOF_PER_HOSPITAL: u64 = 100;

/// Storage-access weights at the runtime's database weights.
pub struct SubstrateWeight<T>(PhantomData<T>);

impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn admit_hospital(h: u32) -> Weight {
		listed(h).saturating_add(T::DbWeight::get().reads_writes(7, 6))
	}
	fn remove_hospital(h: u32) -> Weight {
		listed(h).saturating_add(T::DbWeight::get().reads_writes(7, 6))
	}
	fn set_roles() -> Weight {
		Weight::from_parts(BASE, 600).saturating_add(T::DbWeight::get().reads_writes(2, 3))
	}
	fn set_attestor() -> Weight {
		Weight::from_parts(BASE, 800).saturating_add(T::DbWeight::get().reads_writes(5, 5))
	}
	fn set_session_length() -> Weight {
		Weight::from_parts(BASE / 2, 0).saturating_add(T::DbWeight::get().writes(1))
	}
}

/// The compute of a call that lists `h` hospitals (and the council's change with them).
fn listed(h: u32) -> Weight {
	Weight::from_parts(BASE, 1_000).saturating_add(
		Weight::from_parts(PER_HOSPITAL, PROOF_PER_HOSPITAL).saturating_mul(h.into()),
	)
}

// For tests.
impl WeightInfo for () {
	fn admit_hospital(h: u32) -> Weight {
		listed(h)
	}
	fn remove_hospital(h: u32) -> Weight {
		listed(h)
	}
	fn set_roles() -> Weight {
		Weight::from_parts(BASE, 0)
	}
	fn set_attestor() -> Weight {
		Weight::from_parts(BASE, 0)
	}
	fn set_session_length() -> Weight {
		Weight::from_parts(BASE, 0)
	}
}
