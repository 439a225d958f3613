//! The pallets whose benchmarks `healthchain-node benchmark pallet` runs (feature
//! `runtime-benchmarks`). `scripts/benchmark.sh` turns them into each pallet's `weights.rs`.
//! The macros this declares expand in `apis.rs`, hence the `crate::` paths.

frame_benchmarking::define_benchmarks!(
	[frame_system, SystemBench::<crate::Runtime>]
	[pallet_balances, crate::Balances]
	[pallet_timestamp, crate::Timestamp]
	[pallet_sudo, crate::Sudo]
	[pallet_consent, crate::Consent]
	[pallet_records, crate::Records]
	[pallet_attestation, crate::Attestation]
	[pallet_consortium, crate::Consortium]
);
