//! A mock runtime for the consent pallet's tests and benchmarks.

use crate as pallet_consent;
use crate::{DataScope, Decision, Provision, ProvisionOf, Purpose};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU32, ConstU64, SortedMembers},
	BoundedVec,
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Balances: pallet_balances,
		ConsentPallet: pallet_consent,
	}
);

/// Alice, a patient.
pub const ALICE: u64 = 1;
/// Bob, another patient.
pub const BOB: u64 = 2;
/// Carol, Alice's guardian.
pub const CAROL: u64 = 3;
/// Dave, an account with no balance.
pub const DAVE: u64 = 4;
/// A hospital.
pub const HOSPITAL: u64 = 10;
/// A research organization.
pub const RESEARCH_ORG: u64 = 11;
/// A registered care provider (an emergency physician).
pub const ER_DOCTOR: u64 = 20;
/// Another registered care provider.
pub const PARAMEDIC: u64 = 21;

/// Balance every funded account starts with.
pub const INITIAL_BALANCE: u64 = 1_000;
/// The consent deposit.
pub const CONSENT_DEPOSIT: u64 = 10;
/// The delegation deposit.
pub const DELEGATION_DEPOSIT: u64 = 5;
/// How long a break-glass access lasts.
pub const EMERGENCY_DURATION: u64 = 20;
/// How long revoked or expired entries are kept.
pub const RETENTION: u64 = 100;

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u64>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type AccountStore = System;
}

/// The registered care providers of the mock.
pub struct CareProviders;
impl SortedMembers<u64> for CareProviders {
	fn sorted_members() -> Vec<u64> {
		vec![ER_DOCTOR, PARAMEDIC]
	}
}

parameter_types! {
	pub const ConsentDeposit: u64 = CONSENT_DEPOSIT;
	pub const DelegationDeposit: u64 = DELEGATION_DEPOSIT;
}

impl pallet_consent::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type CareProviderOrigin = frame_system::EnsureSignedBy<CareProviders, u64>;
	type ReviewOrigin = EnsureRoot<u64>;
	type OnConsentChange = healthchain_primitives::testing::MockHooks;
	type ConsentDeposit = ConsentDeposit;
	type DelegationDeposit = DelegationDeposit;
	type MaxPurposes = ConstU32<6>;
	type MaxDataScope = ConstU32<8>;
	type MaxPolicyLen = ConstU32<64>;
	type MaxConsentsPerPair = ConstU32<8>;
	type MaxConsentsPerPatient = ConstU32<16>;
	type MaxDelegatesPerPatient = ConstU32<3>;
	type MaxReasonLen = ConstU32<32>;
	type MaxEmergencyAccessesPerPatient = ConstU32<4>;
	type EmergencyAccessDuration = ConstU64<EMERGENCY_DURATION>;
	type RetentionPeriod = ConstU64<RETENTION>;
	type WeightInfo = ();
}

/// Externalities with funded accounts, at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	healthchain_primitives::testing::MockHooks::reset();
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: [ALICE, BOB, CAROL, HOSPITAL, RESEARCH_ORG, ER_DOCTOR, PARAMEDIC]
			.into_iter()
			.map(|who| (who, INITIAL_BALANCE))
			.collect(),
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext: sp_io::TestExternalities = storage.into();
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` in fresh externalities, then checks the pallet's invariants.
pub fn new_test_ext_checked(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		ConsentPallet::do_try_state().expect("pallet invariants hold after the test");
	});
}

/// Moves to block `n`.
pub fn run_to_block(n: u64) {
	System::set_block_number(n);
}

/// A permit (or deny) provision for `purposes` on `data`, open-ended from now.
pub fn provision(
	decision: Decision,
	purposes: &[Purpose],
	data: &[DataScope],
) -> ProvisionOf<Test> {
	Provision {
		decision,
		purposes: BoundedVec::truncate_from(purposes.to_vec()),
		data: BoundedVec::truncate_from(data.to_vec()),
		valid_from: None,
		valid_until: None,
		policy: None,
	}
}

/// The same provision with a period.
pub fn with_period(
	mut provision: ProvisionOf<Test>,
	valid_from: Option<u64>,
	valid_until: Option<u64>,
) -> ProvisionOf<Test> {
	provision.valid_from = valid_from;
	provision.valid_until = valid_until;
	provision
}

/// The events this pallet emitted so far.
pub fn consent_events() -> Vec<pallet_consent::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::ConsentPallet(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// The last event this pallet emitted.
pub fn last_consent_event() -> pallet_consent::Event<Test> {
	consent_events().pop().expect("the pallet emitted an event")
}

/// Balance of `who` held for `reason`.
pub fn held(reason: pallet_consent::HoldReason, who: u64) -> u64 {
	use frame_support::traits::fungible::InspectHold;
	Balances::balance_on_hold(&RuntimeHoldReason::ConsentPallet(reason), &who)
}
