//! Configuration of each pallet in the runtime.

use crate::{
	AccountId, Attestation, Aura, Balance, Balances, Block, BlockNumber, CareProviders, Consent,
	Consortium, Council, Hash, Nonce, PalletInfo, Records, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask, SessionKeys, Signature,
	SignedPayload, System, Timestamp, TxExtension, UncheckedExtrinsic, DAYS, EXISTENTIAL_DEPOSIT,
	HOURS, MILLI_UNIT, SLOT_DURATION, UNIT, VERSION,
};
use alloc::vec::Vec;
use codec::Encode;
use frame_support::{
	derive_impl, parameter_types,
	traits::{
		ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, EitherOfDiverse, Get, SortedMembers,
		VariantCountOf,
	},
	weights::{
		constants::{RocksDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		IdentityFee, Weight,
	},
};
use frame_system::limits::{BlockLength, BlockWeights};
use frame_system::{EnsureNever, EnsureRoot, EnsureSignedBy};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{
	generic,
	traits::{One, SaturatedConversion, StaticLookup, Verify},
	Perbill,
};

/// Three quarters of a block are available to normal (non-operational) transactions.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// Two seconds of compute per block, a third of the block time.
const MAXIMUM_BLOCK_WEIGHT: Weight =
	Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND.saturating_mul(2), u64::MAX);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: sp_version::RuntimeVersion = VERSION;
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		MAXIMUM_BLOCK_WEIGHT,
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(frame_support::dispatch::DispatchClass::Normal, |m| {
			*m = NORMAL_DISPATCH_RATIO * *m
		})
		.build();
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	type DbWeight = RocksDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
}

// ----- Governance: the consortium, its council and the origins they dispatch -------------

/// The council's instance of `pallet-collective`.
pub type CouncilInstance = pallet_collective::Instance1;

/// More than half the council, or root (reachable on the development chain only, where the
/// genesis has a sudo key): admits and removes hospitals, approves and retires models,
/// registers care providers and reviews break-glass access.
pub type CouncilMajority = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionMoreThan<AccountId, CouncilInstance, 1, 2>,
>;

/// Most hospitals a consortium may have; bounded by the Aura and GRANDPA authority limits,
/// since every hospital may validate.
pub const MAX_HOSPITALS: u32 = 32;

/// Most motions the council may have open at once.
pub const COUNCIL_MAX_PROPOSALS: u32 = 100;

parameter_types! {
	/// Held from a validator's governance account while it has session keys set.
	pub const SessionKeyDeposit: Balance = UNIT;
}

impl pallet_consortium::Config for Runtime {
	type MembershipOrigin = CouncilMajority;
	type Council = Council;
	type AttestorKey = pallet_attestation::crypto::Public;
	// The council can never remove the last validator. One runtime serves every chain, and the
	// development chain has a single validator; a consortium's spec starts with at least three
	// (`healthchain-node consortium-spec` refuses fewer), and the operator guide asks the
	// council to keep four or more, so that GRANDPA finalizes with one of them down.
	type MinValidators = ConstU32<1>;
	type MaxHospitals = ConstU32<MAX_HOSPITALS>;
	type MaxNameLen = ConstU32<64>;
	type HasSessionKeys = pallet_consortium::HasNextKeys<Runtime>;
	type CouncilChangeWeight = CouncilChangeWeight;
	type WeightInfo = pallet_consortium::weights::SubstrateWeight<Runtime>;
}

/// The most a change of the council's members costs: the collective's `set_members` at its
/// bounds (every seat taken before and after, `MaxProposals` motions open, each one's votes
/// rewritten).
pub struct CouncilChangeWeight;

/// The council's weights, as its `Config` names them.
type CouncilWeights = <Runtime as pallet_collective::Config<CouncilInstance>>::WeightInfo;

impl Get<Weight> for CouncilChangeWeight {
	fn get() -> Weight {
		<CouncilWeights as pallet_collective::WeightInfo>::set_members(
			MAX_HOSPITALS,
			MAX_HOSPITALS,
			COUNCIL_MAX_PROPOSALS,
		)
	}
}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	// A validator is identified by its hospital's governance account.
	type ValidatorId = AccountId;
	type ValidatorIdOf = pallet_consortium::ValidatorOf<Runtime>;
	type ShouldEndSession = Consortium;
	type NextSessionRotation = Consortium;
	type SessionManager = Consortium;
	// In the order of the `SessionKeys` fields: aura, grandpa, inference.
	type SessionHandler = (Aura, crate::Grandpa, Consortium);
	type Keys = SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = Balances;
	type KeyDeposit = SessionKeyDeposit;
}

parameter_types! {
	/// A council motion stays open for a day.
	pub const CouncilMotionDuration: BlockNumber = DAYS;
	/// A motion may dispatch at most half a block of weight.
	pub MaxCouncilProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

impl pallet_collective::Config<CouncilInstance> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = CouncilMotionDuration;
	type MaxProposals = ConstU32<COUNCIL_MAX_PROPOSALS>;
	type MaxMembers = ConstU32<MAX_HOSPITALS>;
	// The council has no prime member: a hospital that has not voted when a motion closes
	// counts as a no.
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	// The consortium keeps the seats: nobody sets them directly.
	type SetMembersOrigin = EnsureNever<()>;
	type MaxProposalWeight = MaxCouncilProposalWeight;
	type DisapproveOrigin = CouncilMajority;
	type KillOrigin = CouncilMajority;
	type Consideration = ();
}

/// Who may open break-glass access: a clinician the council registered in `CareProviders`, or
/// the governance account of a hospital with the care-provider role.
pub struct BreakGlassProviders;

impl SortedMembers<AccountId> for BreakGlassProviders {
	fn sorted_members() -> Vec<AccountId> {
		let mut members = CareProviders::sorted_members();
		members.extend(pallet_consortium::CareProviders::<Runtime>::sorted_members());
		members.sort();
		members.dedup();
		members
	}

	fn contains(who: &AccountId) -> bool {
		CareProviders::contains(who) || pallet_consortium::CareProviders::<Runtime>::contains(who)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn add(who: &AccountId) {
		CareProviders::add(who);
	}
}

/// The hospitals with the custodian role: who may anchor records and propose models.
pub type Custodians = pallet_consortium::Custodians<Runtime>;

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_membership::Config<pallet_membership::Instance1> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AddOrigin = CouncilMajority;
	type RemoveOrigin = CouncilMajority;
	type SwapOrigin = CouncilMajority;
	type ResetOrigin = CouncilMajority;
	type PrimeOrigin = CouncilMajority;
	type MembershipInitialized = ();
	type MembershipChanged = ();
	type MaxMembers = ConstU32<1000>;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Held from the patient for each stored consent, returned when it is removed.
	pub const ConsentDeposit: Balance = 10 * MILLI_UNIT;
	/// Held from the patient for each appointed delegate.
	pub const DelegationDeposit: Balance = 10 * MILLI_UNIT;
	/// A break-glass access lasts one hour.
	pub const EmergencyAccessDuration: BlockNumber = HOURS;
	/// Revoked and expired entries stay 30 days (the review window) before anyone may remove them.
	pub const ConsentRetentionPeriod: BlockNumber = 30 * DAYS;
}

impl pallet_consent::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type CareProviderOrigin = EnsureSignedBy<BreakGlassProviders, AccountId>;
	type ReviewOrigin = CouncilMajority;
	// Revoking a permit or granting a deny cancels the open inference requests it withdraws.
	type OnConsentChange = Attestation;
	type ConsentDeposit = ConsentDeposit;
	type DelegationDeposit = DelegationDeposit;
	type MaxPurposes = ConstU32<6>;
	type MaxDataScope = ConstU32<16>;
	type MaxPolicyLen = ConstU32<128>;
	type MaxConsentsPerPair = ConstU32<16>;
	type MaxConsentsPerPatient = ConstU32<256>;
	type MaxDelegatesPerPatient = ConstU32<4>;
	type MaxReasonLen = ConstU32<64>;
	type MaxEmergencyAccessesPerPatient = ConstU32<32>;
	type EmergencyAccessDuration = EmergencyAccessDuration;
	type RetentionPeriod = ConsentRetentionPeriod;
	type WeightInfo = pallet_consent::weights::SubstrateWeight<Runtime>;
}

impl pallet_records::Config for Runtime {
	type CustodianOrigin = EnsureSignedBy<Custodians, AccountId>;
	type Custodians = Custodians;
	type ConsentCheck = Consent;
	// Erasing or amending a record cancels the open inference requests on it.
	type OnRecordChange = Attestation;
	type Time = Timestamp;
	type MaxSchemaLen = ConstU32<32>;
	type MaxVersions = ConstU32<32>;
	// A record is shared with at most eight other hospitals of the consortium.
	type MaxSharesPerRecord = ConstU32<8>;
	// 2^20 leaves: a proof has at most 20 siblings.
	type MaxBatchSize = ConstU32<1_048_576>;
	type MaxRecordsPerPatient = ConstU32<10_000>;
	type MaxAccessLogPerPatient = ConstU32<256>;
	// A year of 6-second blocks.
	type AccessLogRetention = ConstU32<{ 365 * DAYS }>;
	type WeightInfo = pallet_records::weights::SubstrateWeight<Runtime>;
}

impl pallet_skip_feeless_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
}

impl pallet_attestation::Config for Runtime {
	type AuthorityId = pallet_attestation::crypto::InferenceAuthId;
	type ModelProposerOrigin = EnsureSignedBy<Custodians, AccountId>;
	type ModelApprovalOrigin = CouncilMajority;
	type Attestors = pallet_consortium::Attestors<Runtime>;
	type ConsentCheck = Consent;
	type RecordLookup = Records;
	type Time = Timestamp;
	// Ten minutes of 6-second blocks.
	type RequestTimeout = ConstU32<100>;
	type MaxQuorum = ConstU32<5>;
	type MaxRequestsPerBlock = ConstU32<32>;
	type MaxRequestsPerOcwRun = ConstU32<4>;
	// Bound the work of an erasure or a consent change, which cancels these in the same call.
	// One requester holds at most a quarter of a record's room, so that a single clinician
	// with consent cannot keep a record's requests full for the patient and everyone else.
	type MaxOpenRequestsPerRecord = ConstU32<32>;
	type MaxOpenRequestsPerPair = ConstU32<8>;
	type MaxNameLen = ConstU32<64>;
	type MaxVersionLen = ConstU32<32>;
	type MaxEngineVersionLen = ConstU32<64>;
	type WeightInfo = pallet_attestation::weights::SubstrateWeight<Runtime>;
}

// ----- Off-chain worker transactions -----------------------------------------------------

impl frame_system::offchain::SigningTypes for Runtime {
	type Public = <Signature as Verify>::Signer;
	type Signature = Signature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = UncheckedExtrinsic;
}

impl<C> frame_system::offchain::CreateTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	type Extension = TxExtension;

	fn create_transaction(call: RuntimeCall, extension: TxExtension) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_transaction(call, extension)
	}
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<
		A: frame_system::offchain::AppCrypto<Self::Public, Self::Signature>,
	>(
		call: RuntimeCall,
		public: <Signature as Verify>::Signer,
		account: AccountId,
		nonce: Nonce,
	) -> Option<UncheckedExtrinsic> {
		// The longest mortality the block hash history allows.
		let period =
			BlockHashCount::get().checked_next_power_of_two().map(|c| c / 2).unwrap_or(2) as u64;
		// `System::block_number` is already the block being built; sign against its parent.
		let current_block = System::block_number().saturated_into::<u64>().saturating_sub(1);
		let extension = crate::tx_extension(nonce, generic::Era::mortal(period, current_block), 0);
		let raw_payload = SignedPayload::new(call, extension)
			.map_err(|e| log::warn!(target: "runtime", "unable to create signed payload: {e:?}"))
			.ok()?;
		let signature = raw_payload.using_encoded(|payload| A::sign(payload, public))?;
		let (call, extension, _) = raw_payload.deconstruct();
		let address = <Runtime as frame_system::Config>::Lookup::unlookup(account);
		Some(UncheckedExtrinsic::new_signed(call, address, signature, extension))
	}
}

impl<C> frame_system::offchain::CreateBare<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_bare(call: RuntimeCall) -> UncheckedExtrinsic {
		UncheckedExtrinsic::new_bare(call)
	}
}

impl<C> frame_system::offchain::CreateAuthorizedTransaction<C> for Runtime
where
	RuntimeCall: From<C>,
{
	fn create_extension() -> Self::Extension {
		// Authorized transactions carry no signer: nonce, era and tip are not used.
		crate::tx_extension(0, generic::Era::Immortal, 0)
	}
}
