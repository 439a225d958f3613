//! A mock runtime for the consortium pallet's tests and benchmarks: the real `pallet-session`
//! (so validator-set changes are observed through real session rotations) and a council test
//! double that records the members it is told about.

use crate as pallet_consortium;
use crate::{GenesisHospital, Roles};
use core::cell::RefCell;
use frame_support::{
	derive_impl, parameter_types,
	traits::{ChangeMembers, ConstU32, InitializeMembers, OnFinalize, OnInitialize},
};
use frame_system::EnsureRoot;
use sp_runtime::{testing::UintAuthorityId, BuildStorage};

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		Consortium: pallet_consortium,
		Session: pallet_session,
	}
);

/// St. Mary's: a founding hospital with every role.
pub const ST_MARYS: u64 = 10;
/// General Hospital: a founding hospital with every role.
pub const GENERAL: u64 = 11;
/// University Hospital: a founding hospital with every role.
pub const UNIVERSITY: u64 = 12;
/// A clinic applying to join.
pub const CLINIC: u64 = 13;
/// An account that is no member.
pub const OUTSIDER: u64 = 99;
/// The attestor account of hospital `h` in the mock: `h + 100`.
pub const fn attestor_of(hospital: u64) -> u64 {
	hospital + 100
}
/// Fewest validators in the mock.
pub const MIN_VALIDATORS: u32 = 2;
/// Most hospitals in the mock.
pub const MAX_HOSPITALS: u32 = 6;
/// Longest name in the mock.
pub const MAX_NAME_LEN: u32 = 16;
/// Blocks per session at genesis in the mock.
pub const SESSION_LENGTH: u64 = 5;
/// The session key deposit in the mock.
pub const KEY_DEPOSIT: u64 = 10;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

/// The mock's session keys: one attestor key, whose ownership proof the mock accepts.
pub type MockSessionKeys = UintAuthorityId;

parameter_types! {
	pub const KeyDeposit: u64 = KEY_DEPOSIT;
}

impl pallet_session::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = u64;
	type ValidatorIdOf = pallet_consortium::ValidatorOf<Test>;
	type ShouldEndSession = Consortium;
	type NextSessionRotation = Consortium;
	type SessionManager = Consortium;
	type SessionHandler = (Consortium,);
	type Keys = MockSessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = ();
	type Currency = Balances;
	type KeyDeposit = KeyDeposit;
}

std::thread_local! {
	static COUNCIL: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

/// A council test double: it keeps the members the consortium tells it about.
pub struct Council;

impl Council {
	/// The council's members.
	pub fn members() -> Vec<u64> {
		COUNCIL.with(|c| c.borrow().clone())
	}
}

impl ChangeMembers<u64> for Council {
	fn change_members_sorted(_incoming: &[u64], _outgoing: &[u64], new: &[u64]) {
		// The benchmarks roll storage back between runs but not this double, so it keeps the
		// newest list only; the tests compare it with the hospitals.
		COUNCIL.with(|c| *c.borrow_mut() = new.to_vec());
	}
}

impl InitializeMembers<u64> for Council {
	fn initialize_members(members: &[u64]) {
		COUNCIL.with(|c| {
			assert!(c.borrow().is_empty(), "council initialized twice");
			*c.borrow_mut() = members.to_vec();
		});
	}
}

impl pallet_consortium::Config for Test {
	type MembershipOrigin = EnsureRoot<u64>;
	type Council = Council;
	type AttestorKey = UintAuthorityId;
	type MinValidators = ConstU32<MIN_VALIDATORS>;
	type MaxHospitals = ConstU32<MAX_HOSPITALS>;
	type MaxNameLen = ConstU32<MAX_NAME_LEN>;
	type HasSessionKeys = pallet_consortium::HasNextKeys<Test>;
	type CouncilChangeWeight = ();
	type WeightInfo = ();
}

/// A founding hospital of the mock with every role.
fn founder(account: u64, name: &str) -> GenesisHospital<u64> {
	GenesisHospital {
		account,
		name: name.into(),
		attestor: attestor_of(account),
		roles: Roles::ALL,
	}
}

/// Test externalities: three founding hospitals with every role and their session keys, the
/// clinic and the outsider funded, at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	COUNCIL.with(|c| c.borrow_mut().clear());
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [ST_MARYS, GENERAL, UNIVERSITY, CLINIC, OUTSIDER]
			.iter()
			.map(|who| (*who, 1_000))
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_consortium::GenesisConfig::<Test> {
		hospitals: vec![
			founder(ST_MARYS, "St. Mary's"),
			founder(GENERAL, "General"),
			founder(UNIVERSITY, "University"),
		],
		session_length: SESSION_LENGTH,
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	pallet_session::GenesisConfig::<Test> {
		keys: [ST_MARYS, GENERAL, UNIVERSITY]
			.iter()
			.map(|who| (*who, *who, MockSessionKeys::from(*who)))
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs the tests in `test` and then the pallet's `try_state` invariants.
pub fn run_test(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		crate::Pallet::<Test>::do_try_state().expect("try_state invariants hold");
	});
}

/// Runs blocks until block `n`, with the session pallet's hooks.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		Session::on_finalize(System::block_number());
		System::set_block_number(next);
		Session::on_initialize(next);
	}
}

/// Runs blocks until the start of session `index`.
pub fn run_to_session(index: u32) {
	while pallet_session::CurrentIndex::<Test>::get() < index {
		run_to_block(System::block_number() + 1);
	}
}

/// The session pallet's current validators.
pub fn session_validators() -> Vec<u64> {
	pallet_session::Validators::<Test>::get()
}

/// The events the consortium emitted so far.
pub fn consortium_events() -> Vec<pallet_consortium::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::Consortium(event) => Some(event),
			_ => None,
		})
		.collect()
}
