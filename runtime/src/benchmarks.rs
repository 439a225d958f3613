//! The pallets whose benchmarks `healthchain-node benchmark pallet` runs (feature
//! `runtime-benchmarks`). `scripts/benchmark.sh` turns them into each pallet's `weights.rs`.

frame_benchmarking::define_benchmarks!(
	[frame_system, SystemBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_consent, Consent]
);
