//! A mock runtime for the attestation pallet's tests and benchmarks.
//!
//! Accounts are `AccountId32` and transactions are signed with `MultiSignature`, as in the
//! healthchain runtime, so that the off-chain worker's signed transactions can be built, read
//! back from the test pool and checked.

use crate as pallet_attestation;
use crate::{InferenceOutput, ModelId, ModelStatus, Models, RecordCommitment, RecordId, RequestId};
use codec::Encode;
use frame_support::{
	assert_ok, derive_impl,
	traits::{ConstU32, ConstU64, Hooks, SortedMembers},
	BoundedVec,
};
use frame_system::{offchain::AppCrypto, EnsureRoot, EnsureSignedBy};
use healthchain_primitives::{
	testing::{MockAttestors, MockConsentCheck, MockRecordLookup},
	AttestorRegistry, DataClass, Purpose,
};
use sp_runtime::{
	generic,
	traits::{BlakeTwo256, IdentityLookup},
	AccountId32, BuildStorage, MultiSignature, MultiSigner,
};

/// The account type of the mock, as in the runtime.
pub type AccountId = AccountId32;
/// A transaction of the mock: signed by an account with a `MultiSignature`, no extensions.
pub type Extrinsic = generic::UncheckedExtrinsic<AccountId, RuntimeCall, MultiSignature, ()>;
type Block = generic::Block<generic::Header<u64, BlakeTwo256>, Extrinsic>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Timestamp: pallet_timestamp,
		AttestationPallet: pallet_attestation,
	}
);

/// An account of the mock, from a one-byte tag.
pub const fn account(tag: u8) -> AccountId {
	AccountId32::new([tag; 32])
}

/// Alice, a patient.
pub const ALICE: AccountId = account(1);
/// Bob, another patient.
pub const BOB: AccountId = account(2);
/// A clinician Alice and Bob may give consent to.
pub const CLINICIAN: AccountId = account(5);
/// Someone without any consent.
pub const STRANGER: AccountId = account(6);
/// St. Mary's, a hospital of the consortium (may propose models; custodian of records).
pub const ST_MARYS: AccountId = account(10);
/// General Hospital, another hospital of the consortium.
pub const GENERAL: AccountId = account(11);
/// County Hospital, a third hospital of the consortium.
pub const COUNTY: AccountId = account(12);
/// University Hospital, a fourth hospital of the consortium.
pub const UNIVERSITY: AccountId = account(13);
/// A hospital of the consortium that holds none of the mock's records.
pub const OUTSIDER: AccountId = account(14);
/// The first attestor: the inference key of St. Mary's node.
pub const NODE_A: AccountId = account(20);
/// The second attestor: General Hospital's.
pub const NODE_B: AccountId = account(21);
/// The third attestor: County Hospital's.
pub const NODE_C: AccountId = account(22);
/// The fourth attestor: University Hospital's.
pub const NODE_D: AccountId = account(23);
/// An account that is not an attestor.
pub const NOT_AN_ATTESTOR: AccountId = account(29);

/// Blocks a request stays open.
pub const REQUEST_TIMEOUT: u64 = 20;
/// The largest quorum.
pub const MAX_QUORUM: u32 = 4;
/// Most requests per block.
pub const MAX_REQUESTS_PER_BLOCK: u32 = 4;
/// Most open requests on one record.
pub const MAX_OPEN_PER_RECORD: u32 = 6;
/// Most open requests of one (patient, requester) pair.
pub const MAX_OPEN_PER_PAIR: u32 = 5;
/// Most inferences per off-chain worker run.
pub const MAX_REQUESTS_PER_OCW_RUN: u32 = 3;
/// Milliseconds per block in the mock.
pub const BLOCK_TIME_MS: u64 = 6_000;
/// Wall-clock time of block 0 in the mock (2026-01-01T00:00:00Z).
pub const GENESIS_TIME_MS: u64 = 1_767_225_600_000;

/// The shipped breast-cancer model's ONNX file hash.
pub const MODEL_HASH: [u8; 32] = [0x9a; 32];
/// Its card hash.
pub const CARD_HASH: [u8; 32] = [0xca; 32];
/// The tolerance of the mock's model, in fixed-point units.
pub const TOLERANCE: u32 = 1_000;

/// Alice's laboratory record.
pub const RECORD: RecordId = 7;
/// Its commitment.
pub const COMMITMENT: RecordCommitment = [0x77; 32];
/// Bob's imaging record.
pub const BOB_RECORD: RecordId = 8;
/// Its commitment.
pub const BOB_COMMITMENT: RecordCommitment = [0x88; 32];

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId;
	type Lookup = IdentityLookup<AccountId>;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {}

/// The hospitals of the consortium: who may propose models.
pub struct Hospitals;
impl SortedMembers<AccountId> for Hospitals {
	fn sorted_members() -> Vec<AccountId> {
		vec![ST_MARYS, GENERAL]
	}
}

impl pallet_attestation::Config for Test {
	type AuthorityId = crate::crypto::InferenceAuthId;
	type ModelProposerOrigin = EnsureSignedBy<Hospitals, AccountId>;
	type ModelApprovalOrigin = EnsureRoot<AccountId>;
	type Attestors = MockAttestors;
	type ConsentCheck = MockConsentCheck;
	type RecordLookup = MockRecordLookup;
	type Time = Timestamp;
	type RequestTimeout = ConstU64<REQUEST_TIMEOUT>;
	type MaxQuorum = ConstU32<MAX_QUORUM>;
	type MaxRequestsPerBlock = ConstU32<MAX_REQUESTS_PER_BLOCK>;
	type MaxRequestsPerOcwRun = ConstU32<MAX_REQUESTS_PER_OCW_RUN>;
	type MaxOpenRequestsPerRecord = ConstU32<MAX_OPEN_PER_RECORD>;
	type MaxOpenRequestsPerPair = ConstU32<MAX_OPEN_PER_PAIR>;
	type MaxNameLen = ConstU32<32>;
	type MaxVersionLen = ConstU32<16>;
	type MaxEngineVersionLen = ConstU32<32>;
	type WeightInfo = ();
}

// ----- Off-chain worker transactions, as the runtime builds them (without extensions) -----

impl frame_system::offchain::SigningTypes for Test {
	type Public = MultiSigner;
	type Signature = MultiSignature;
}

impl<C> frame_system::offchain::CreateTransactionBase<C> for Test
where
	RuntimeCall: From<C>,
{
	type RuntimeCall = RuntimeCall;
	type Extrinsic = Extrinsic;
}

impl<C> frame_system::offchain::CreateSignedTransaction<C> for Test
where
	RuntimeCall: From<C>,
{
	fn create_signed_transaction<A: AppCrypto<Self::Public, Self::Signature>>(
		call: RuntimeCall,
		public: MultiSigner,
		account: AccountId,
		nonce: u32,
	) -> Option<Extrinsic> {
		let signature = A::sign(&signed_payload(&call, nonce), public)?;
		Some(Extrinsic::new_signed(call, account, signature, ()))
	}
}

/// What the mock signs for a transaction: the call and the nonce.
pub fn signed_payload(call: &RuntimeCall, nonce: u32) -> Vec<u8> {
	(call, nonce).encode()
}

/// Externalities at block 1, with the thread's mock consents and records reset and `models`
/// approved at genesis.
pub fn new_test_ext_with(models: Vec<crate::GenesisModel>) -> sp_io::TestExternalities {
	MockConsentCheck::reset();
	MockRecordLookup::reset();
	MockAttestors::reset();
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_attestation::GenesisConfig::<Test> { models, ..Default::default() }
		.assimilate_storage(&mut storage)
		.unwrap();
	let mut ext: sp_io::TestExternalities = storage.into();
	ext.execute_with(|| {
		System::set_block_number(1);
		Timestamp::set_timestamp(GENESIS_TIME_MS + BLOCK_TIME_MS);
	});
	ext
}

/// Externalities at block 1 with nothing registered.
pub fn new_test_ext() -> sp_io::TestExternalities {
	new_test_ext_with(Vec::new())
}

/// Runs `test` in fresh externalities, then checks the pallet's invariants.
pub fn new_test_ext_checked(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		AttestationPallet::do_try_state().expect("pallet invariants hold after the test");
	});
}

/// Moves block by block to block `n`, running the pallet's `on_initialize` in each.
pub fn run_to_block(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Timestamp::set_timestamp(GENESIS_TIME_MS + next * BLOCK_TIME_MS);
		AttestationPallet::on_initialize(next);
	}
}

/// A bounded byte string.
pub fn bytes<S: frame_support::traits::Get<u32>>(text: &str) -> BoundedVec<u8, S> {
	BoundedVec::truncate_from(text.as_bytes().to_vec())
}

/// The mock's two-output model as genesis lists it.
pub fn genesis_model(model_hash: [u8; 32]) -> crate::GenesisModel {
	crate::GenesisModel {
		model_hash,
		card_hash: CARD_HASH,
		name: b"breast-cancer-mlp".to_vec(),
		version: b"1.0.0".to_vec(),
		output_size: 2,
		tolerance_ppm: TOLERANCE,
		engine_version: b"tract-onnx 0.23.9".to_vec(),
		min_quorum: 1,
	}
}

/// St. Mary's proposes a model with `output_size` outputs; returns its id.
pub fn propose(model_hash: [u8; 32], output_size: u32) -> ModelId {
	let model_id = crate::NextModelId::<Test>::get();
	assert_ok!(AttestationPallet::propose_model(
		RuntimeOrigin::signed(ST_MARYS),
		model_hash,
		CARD_HASH,
		bytes("breast-cancer-mlp"),
		bytes("1.0.0"),
		output_size,
		TOLERANCE,
		bytes("tract-onnx 0.23.9"),
	));
	model_id
}

/// A two-output model, proposed and approved; returns its id.
pub fn approved_model() -> ModelId {
	let model_id = propose(MODEL_HASH, 2);
	assert_ok!(AttestationPallet::approve_model(RuntimeOrigin::root(), model_id));
	assert_eq!(Models::<Test>::get(model_id).map(|m| m.status), Some(ModelStatus::Approved));
	model_id
}

/// The hospital whose node signs with `attestor`: St. Mary's, General, County and University
/// for `NODE_A` to `NODE_D`; for any other account, a hospital of its own (the account with
/// its last byte inverted).
pub fn hospital_of(attestor: &AccountId) -> AccountId {
	let named = [(NODE_A, ST_MARYS), (NODE_B, GENERAL), (NODE_C, COUNTY), (NODE_D, UNIVERSITY)];
	named.iter().find(|(node, _)| node == attestor).map(|(_, h)| h.clone()).unwrap_or_else(|| {
		let mut bytes: [u8; 32] = *attestor.as_ref();
		bytes[31] ^= 0xff;
		AccountId32::new(bytes)
	})
}

/// Shares the mock's records (those anchored already) with `hospital`.
fn share_records_with(hospital: &AccountId) {
	for record_id in [RECORD, BOB_RECORD] {
		MockRecordLookup::share(record_id, hospital);
	}
}

/// Makes `attestors` attestors of their hospitals ([`hospital_of`]), which hold the mock's
/// records (in the runtime: the consortium admits the hospitals, the records' custodian
/// shares the records with them).
pub fn register(attestors: &[AccountId]) {
	for attestor in attestors {
		let hospital = hospital_of(attestor);
		MockAttestors::register(attestor, &hospital);
		share_records_with(&hospital);
	}
}

/// Takes `attestor` out of the attestor set (in the runtime: its hospital is removed or loses
/// the attestor role).
pub fn deregister(attestor: &AccountId) {
	MockAttestors::deregister(attestor);
}

/// Anchors Alice's laboratory record (held by St. Mary's) and Bob's imaging record, shared
/// with the hospitals of the attestors registered so far.
pub fn anchor_records() {
	MockRecordLookup::anchor(RECORD, &ALICE, &ST_MARYS, COMMITMENT, DataClass::Laboratory);
	MockRecordLookup::anchor(BOB_RECORD, &BOB, &ST_MARYS, BOB_COMMITMENT, DataClass::Imaging);
	for attestor in <MockAttestors as AttestorRegistry<AccountId>>::attestors() {
		if let Some(hospital) =
			<MockAttestors as AttestorRegistry<AccountId>>::custodian_of(&attestor)
		{
			share_records_with(&hospital);
		}
	}
}

/// Alice permits the clinician AI-assisted diagnosis.
pub fn alice_consents() {
	MockConsentCheck::permit(&ALICE, &CLINICIAN, Purpose::AiAssistedDiagnosis, 1);
}

/// The everyday setup: an approved model, four attestors, Alice's record and her consent.
/// Returns the model id.
pub fn setup() -> ModelId {
	let model_id = approved_model();
	register(&[NODE_A, NODE_B, NODE_C, NODE_D]);
	anchor_records();
	alice_consents();
	model_id
}

/// The clinician requests an inference on Alice's record with `quorum`; returns its id.
pub fn request(model_id: ModelId, quorum: u32) -> RequestId {
	let request_id = crate::NextRequestId::<Test>::get();
	assert_ok!(AttestationPallet::request_inference(
		RuntimeOrigin::signed(CLINICIAN),
		model_id,
		RECORD,
		quorum
	));
	request_id
}

/// A fixed-point output.
pub fn output(values: &[i64]) -> InferenceOutput {
	InferenceOutput { values: values.to_vec() }
}

/// `attestor` submits `values` to `request_id`.
pub fn submit(attestor: &AccountId, request_id: RequestId, values: &[i64]) {
	assert_ok!(AttestationPallet::submit_result(
		RuntimeOrigin::signed(attestor.clone()),
		request_id,
		output(values)
	));
}

/// The events this pallet emitted so far.
pub fn attestation_events() -> Vec<pallet_attestation::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|record| match record.event {
			RuntimeEvent::AttestationPallet(event) => Some(event),
			_ => None,
		})
		.collect()
}

/// The last event this pallet emitted.
pub fn last_event() -> pallet_attestation::Event<Test> {
	attestation_events().pop().expect("the pallet emitted an event")
}
