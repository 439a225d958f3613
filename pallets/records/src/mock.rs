//! A mock runtime for the records pallet's tests and benchmarks.

use crate as pallet_records;
use crate::{Commitment, Schema, SchemaOf};
use core::cell::RefCell;
use frame_support::{
	derive_impl,
	traits::{ConstU32, ConstU64, SortedMembers},
};
use healthchain_primitives::testing::{MockConsentCheck, MockHooks};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		RecordsPallet: pallet_records,
	}
);

/// Alice, a patient.
pub const ALICE: u64 = 1;
/// Bob, another patient.
pub const BOB: u64 = 2;
/// St. Mary's, a registered custodian.
pub const ST_MARYS: u64 = 10;
/// General Hospital, another registered custodian.
pub const GENERAL: u64 = 11;
/// County Hospital, a third registered custodian.
pub const COUNTY: u64 = 13;
/// A clinic that is not a registered custodian.
pub const CLINIC: u64 = 12;
/// A research organization (an accessor).
pub const RESEARCH_ORG: u64 = 20;
/// An emergency physician (an accessor).
pub const ER_DOCTOR: u64 = 21;

/// Milliseconds per block in the mock.
pub const BLOCK_TIME_MS: u64 = 6_000;
/// Wall-clock time of block 0 in the mock (2026-01-01T00:00:00Z).
pub const GENESIS_TIME_MS: u64 = 1_767_225_600_000;
/// Most versions of a record.
pub const MAX_VERSIONS: u32 = 4;
/// Most leaves in a batch.
pub const MAX_BATCH_SIZE: u32 = 100_000;
/// Most custodians a record may be shared with.
pub const MAX_SHARES: u32 = 2;
/// Most records per patient.
pub const MAX_RECORDS_PER_PATIENT: u32 = 8;
/// Most access-log entries kept per patient.
pub const MAX_ACCESS_LOG: u32 = 5;
/// Blocks an access-log entry is kept before it may be compacted.
pub const ACCESS_LOG_RETENTION: u64 = 100;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

std::thread_local! {
	static CUSTODIANS: RefCell<Vec<u64>> = RefCell::new(vec![ST_MARYS, GENERAL, COUNTY]);
}

/// The registered custodians of the mock (a membership governance changes).
pub struct Custodians;

impl Custodians {
	/// The custodians every test starts with.
	pub fn reset() {
		CUSTODIANS.with(|c| *c.borrow_mut() = vec![ST_MARYS, GENERAL, COUNTY]);
	}

	/// Registers `who` as a custodian, as governance would.
	pub fn add_for_test(who: u64) {
		CUSTODIANS.with(|c| {
			if !c.borrow().contains(&who) {
				c.borrow_mut().push(who);
			}
		});
	}

	/// Removes `who` from the custodians, as governance would.
	pub fn remove(who: u64) {
		CUSTODIANS.with(|c| c.borrow_mut().retain(|member| *member != who));
	}
}

impl SortedMembers<u64> for Custodians {
	fn sorted_members() -> Vec<u64> {
		CUSTODIANS.with(|c| {
			let mut members = c.borrow().clone();
			members.sort();
			members
		})
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn add(who: &u64) {
		CUSTODIANS.with(|c| {
			if !c.borrow().contains(who) {
				c.borrow_mut().push(*who);
			}
		});
	}
}

impl pallet_records::Config for Test {
	type CustodianOrigin = frame_system::EnsureSignedBy<Custodians, u64>;
	type Custodians = Custodians;
	type ConsentCheck = MockConsentCheck;
	type OnRecordChange = MockHooks;
	type Time = Timestamp;
	type MaxSchemaLen = ConstU32<32>;
	type MaxVersions = ConstU32<MAX_VERSIONS>;
	type MaxBatchSize = ConstU32<MAX_BATCH_SIZE>;
	type MaxSharesPerRecord = ConstU32<MAX_SHARES>;
	type MaxRecordsPerPatient = ConstU32<MAX_RECORDS_PER_PATIENT>;
	type MaxAccessLogPerPatient = ConstU32<MAX_ACCESS_LOG>;
	type AccessLogRetention = ConstU64<ACCESS_LOG_RETENTION>;
	type WeightInfo = ();
}

/// Externalities at block 1, with the time of block 1 set.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext: sp_io::TestExternalities = storage.into();
	ext.execute_with(|| run_to_block(1));
	ext
}

/// Runs `test` in fresh externalities with fresh consent answers, then checks the pallet's
/// invariants.
pub fn new_test_ext_checked(test: impl FnOnce()) {
	MockConsentCheck::reset();
	MockHooks::reset();
	Custodians::reset();
	new_test_ext().execute_with(|| {
		test();
		RecordsPallet::do_try_state().expect("pallet invariants hold after the test");
	});
}

/// Moves to block `n` and sets its time (`BLOCK_TIME_MS` per block).
pub fn run_to_block(n: u64) {
	System::set_block_number(n);
	pallet_timestamp::Now::<Test>::put(time_of(n));
}

/// The wall-clock time of block `n` in the mock.
pub fn time_of(n: u64) -> u64 {
	GENESIS_TIME_MS + n * BLOCK_TIME_MS
}

/// A commitment made of one repeated byte (tests only: real commitments are hashes).
pub fn commitment(byte: u8) -> Commitment {
	[byte; 32]
}

/// The FHIR R4 Bundle schema.
pub fn fhir() -> SchemaOf<Test> {
	Schema::FhirR4Bundle
}

/// The events this pallet emitted so far.
pub fn record_events() -> Vec<pallet_records::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::RecordsPallet(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// The last event this pallet emitted.
pub fn last_record_event() -> pallet_records::Event<Test> {
	record_events().pop().expect("the pallet emitted an event")
}
