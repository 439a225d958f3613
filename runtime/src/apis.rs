//! The runtime APIs the node, polkadot.js and other clients call.

use crate::{
	AccountId, Attestation, Aura, Balance, Block, BlockNumber, Consent, Executive, Grandpa,
	InherentDataExt, Nonce, Records, Runtime, RuntimeCall, RuntimeGenesisConfig, SessionKeys,
	System, TransactionPayment, VERSION,
};
use alloc::vec::Vec;
use frame_support::{
	genesis_builder_helper::{build_state, get_preset},
	weights::Weight,
};
use healthchain_primitives::{
	AccessBasis, Commitment, ConsentId, DataTarget, DenialReason, EmergencyAccessId, Page, Purpose,
	RecordId,
};
use pallet_attestation::{AttestationSeq, ModelHash, ModelId, RequestId};
use pallet_consent::{ActiveCountsPage, ConsentCounts};
use pallet_grandpa::AuthorityId as GrandpaId;
use pallet_records::{AccessSeq, BatchId, MerkleProof, Verification};
use sp_api::impl_runtime_apis;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_core::{crypto::KeyTypeId, OpaqueMetadata};
use sp_runtime::{
	traits::{Block as BlockT, NumberFor},
	transaction_validity::{TransactionSource, TransactionValidity},
	ApplyExtrinsicResult,
};
use sp_version::RuntimeVersion;

impl_runtime_apis! {
	impl sp_api::Core<Block> for Runtime {
		fn version() -> RuntimeVersion {
			VERSION
		}

		fn execute_block(block: <Block as BlockT>::LazyBlock) {
			Executive::execute_block(block);
		}

		fn initialize_block(header: &<Block as BlockT>::Header) -> sp_runtime::ExtrinsicInclusionMode {
			Executive::initialize_block(header)
		}
	}

	impl sp_api::Metadata<Block> for Runtime {
		fn metadata() -> OpaqueMetadata {
			OpaqueMetadata::new(Runtime::metadata().into())
		}

		fn metadata_at_version(version: u32) -> Option<OpaqueMetadata> {
			Runtime::metadata_at_version(version)
		}

		fn metadata_versions() -> Vec<u32> {
			Runtime::metadata_versions()
		}
	}

	impl frame_support::view_functions::runtime_api::RuntimeViewFunction<Block> for Runtime {
		fn execute_view_function(
			id: frame_support::view_functions::ViewFunctionId,
			input: Vec<u8>,
		) -> Result<Vec<u8>, frame_support::view_functions::ViewFunctionDispatchError> {
			Runtime::execute_view_function(id, input)
		}
	}

	impl sp_block_builder::BlockBuilder<Block> for Runtime {
		fn apply_extrinsic(extrinsic: <Block as BlockT>::Extrinsic) -> ApplyExtrinsicResult {
			Executive::apply_extrinsic(extrinsic)
		}

		fn finalize_block() -> <Block as BlockT>::Header {
			Executive::finalize_block()
		}

		fn inherent_extrinsics(data: sp_inherents::InherentData) -> Vec<<Block as BlockT>::Extrinsic> {
			data.create_extrinsics()
		}

		fn check_inherents(
			block: <Block as BlockT>::LazyBlock,
			data: sp_inherents::InherentData,
		) -> sp_inherents::CheckInherentsResult {
			data.check_extrinsics(&block)
		}
	}

	impl sp_transaction_pool::runtime_api::TaggedTransactionQueue<Block> for Runtime {
		fn validate_transaction(
			source: TransactionSource,
			tx: <Block as BlockT>::Extrinsic,
			block_hash: <Block as BlockT>::Hash,
		) -> TransactionValidity {
			Executive::validate_transaction(source, tx, block_hash)
		}
	}

	impl sp_offchain::OffchainWorkerApi<Block> for Runtime {
		fn offchain_worker(header: &<Block as BlockT>::Header) {
			Executive::offchain_worker(header)
		}
	}

	impl sp_consensus_aura::AuraApi<Block, AuraId> for Runtime {
		fn slot_duration() -> sp_consensus_aura::SlotDuration {
			sp_consensus_aura::SlotDuration::from_millis(Aura::slot_duration())
		}

		fn authorities() -> Vec<AuraId> {
			pallet_aura::Authorities::<Runtime>::get().into_inner()
		}
	}

	impl sp_session::SessionKeys<Block> for Runtime {
		fn generate_session_keys(
			owner: Vec<u8>,
			seed: Option<Vec<u8>>,
		) -> sp_session::OpaqueGeneratedSessionKeys {
			SessionKeys::generate(&owner, seed).into()
		}

		fn decode_session_keys(encoded: Vec<u8>) -> Option<Vec<(Vec<u8>, KeyTypeId)>> {
			SessionKeys::decode_into_raw_public_keys(&encoded)
		}
	}

	impl sp_consensus_grandpa::GrandpaApi<Block> for Runtime {
		fn grandpa_authorities() -> sp_consensus_grandpa::AuthorityList {
			Grandpa::grandpa_authorities()
		}

		fn current_set_id() -> sp_consensus_grandpa::SetId {
			Grandpa::current_set_id()
		}

		fn submit_report_equivocation_unsigned_extrinsic(
			_equivocation_proof: sp_consensus_grandpa::EquivocationProof<
				<Block as BlockT>::Hash,
				NumberFor<Block>,
			>,
			_key_owner_proof: sp_consensus_grandpa::OpaqueKeyOwnershipProof,
		) -> Option<()> {
			// Equivocation reporting needs a session/historical pallet; not wired yet.
			None
		}

		fn generate_key_ownership_proof(
			_set_id: sp_consensus_grandpa::SetId,
			_authority_id: GrandpaId,
		) -> Option<sp_consensus_grandpa::OpaqueKeyOwnershipProof> {
			None
		}
	}

	impl frame_system_rpc_runtime_api::AccountNonceApi<Block, AccountId, Nonce> for Runtime {
		fn account_nonce(account: AccountId) -> Nonce {
			System::account_nonce(account)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentApi<Block, Balance> for Runtime {
		fn query_info(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment_rpc_runtime_api::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_info(uxt, len)
		}
		fn query_fee_details(
			uxt: <Block as BlockT>::Extrinsic,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_fee_details(uxt, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_transaction_payment_rpc_runtime_api::TransactionPaymentCallApi<Block, Balance, RuntimeCall>
		for Runtime
	{
		fn query_call_info(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::RuntimeDispatchInfo<Balance> {
			TransactionPayment::query_call_info(call, len)
		}
		fn query_call_fee_details(
			call: RuntimeCall,
			len: u32,
		) -> pallet_transaction_payment::FeeDetails<Balance> {
			TransactionPayment::query_call_fee_details(call, len)
		}
		fn query_weight_to_fee(weight: Weight) -> Balance {
			TransactionPayment::weight_to_fee(weight)
		}
		fn query_length_to_fee(length: u32) -> Balance {
			TransactionPayment::length_to_fee(length)
		}
	}

	impl pallet_consent::runtime_api::ConsentApi<
		Block,
		AccountId,
		pallet_consent::ConsentOf<Runtime>,
		pallet_consent::DelegationOf<Runtime>,
		pallet_consent::EmergencyAccessOf<Runtime>,
	> for Runtime {
		fn consent(id: ConsentId) -> Option<pallet_consent::ConsentOf<Runtime>> {
			Consent::consent(id)
		}
		fn consents_of_patient(
			patient: AccountId,
			start_after: Option<ConsentId>,
			limit: u32,
		) -> Page<ConsentId, pallet_consent::ConsentOf<Runtime>> {
			Consent::consents_of_patient(patient, start_after, limit)
		}
		fn consents_of_grantee(
			grantee: AccountId,
			start_after: Option<ConsentId>,
			limit: u32,
		) -> Page<ConsentId, pallet_consent::ConsentOf<Runtime>> {
			Consent::consents_of_grantee(grantee, start_after, limit)
		}
		fn check_permission(
			patient: AccountId,
			grantee: AccountId,
			purpose: Purpose,
			target: DataTarget,
		) -> Result<ConsentId, DenialReason> {
			Consent::check_permission(patient, grantee, purpose, target)
		}
		fn check_access(
			patient: AccountId,
			grantee: AccountId,
			purpose: Purpose,
			target: DataTarget,
		) -> Result<AccessBasis, DenialReason> {
			Consent::check_access(patient, grantee, purpose, target)
		}
		fn consent_counts() -> ConsentCounts {
			Consent::consent_counts()
		}
		fn active_consent_counts(start_after: Option<ConsentId>, limit: u32) -> ActiveCountsPage {
			Consent::active_consent_counts(start_after, limit)
		}
		fn delegations_of_patient(
			patient: AccountId,
		) -> Vec<(AccountId, pallet_consent::DelegationOf<Runtime>)> {
			Consent::delegations_of_patient(patient)
		}
		fn emergency_accesses_of_patient(
			patient: AccountId,
		) -> Vec<(EmergencyAccessId, pallet_consent::EmergencyAccessOf<Runtime>)> {
			Consent::emergency_accesses_of_patient(patient)
		}
		fn emergency_accesses_pending_review(
			start_after: Option<EmergencyAccessId>,
			limit: u32,
		) -> Page<EmergencyAccessId, pallet_consent::EmergencyAccessOf<Runtime>> {
			Consent::emergency_accesses_pending_review(start_after, limit)
		}
	}

	impl pallet_records::runtime_api::RecordsApi<
		Block,
		AccountId,
		BlockNumber,
		pallet_records::RecordOf<Runtime>,
		pallet_records::BatchOf<Runtime>,
	> for Runtime {
		fn record(record_id: RecordId) -> Option<pallet_records::RecordOf<Runtime>> {
			Records::record(record_id)
		}
		fn verify_record(record_id: RecordId, commitment: Commitment) -> Verification {
			Records::verify_record(record_id, commitment)
		}
		fn anchor_of(commitment: Commitment) -> Option<pallet_records::Anchor> {
			Records::anchor_of(commitment)
		}
		fn records_of_patient(
			patient: AccountId,
			start_after: Option<RecordId>,
			limit: u32,
		) -> Page<RecordId, pallet_records::RecordOf<Runtime>> {
			Records::records_of_patient(patient, start_after, limit)
		}
		fn record_history(record_id: RecordId) -> Vec<pallet_records::RecordVersion<BlockNumber>> {
			Records::record_history(record_id)
		}
		fn batch(batch_id: BatchId) -> Option<pallet_records::BatchOf<Runtime>> {
			Records::batch(batch_id)
		}
		fn verify_inclusion(batch_id: BatchId, commitment: Commitment, proof: MerkleProof) -> bool {
			Records::verify_inclusion(batch_id, commitment, proof)
		}
		fn access_log_of_patient(
			patient: AccountId,
			start_after: Option<AccessSeq>,
			limit: u32,
		) -> Page<AccessSeq, pallet_records::AccessEntry<AccountId, BlockNumber>> {
			Records::access_log_of_patient(patient, start_after, limit)
		}
		fn access_log_digest(patient: AccountId) -> pallet_records::AccessLog<BlockNumber> {
			Records::access_log_digest(patient)
		}
	}

	impl pallet_attestation::runtime_api::AttestationApi<
		Block,
		AccountId,
		BlockNumber,
		pallet_attestation::ModelOf<Runtime>,
		pallet_attestation::RequestOf<Runtime>,
		pallet_attestation::AttestationOf<Runtime>,
	> for Runtime {
		fn model(model_id: ModelId) -> Option<pallet_attestation::ModelOf<Runtime>> {
			Attestation::model(model_id)
		}
		fn model_by_hash(
			model_hash: ModelHash,
		) -> Option<(ModelId, pallet_attestation::ModelOf<Runtime>)> {
			Attestation::model_by_hash(model_hash)
		}
		fn models(
			start_after: Option<ModelId>,
			limit: u32,
		) -> Page<ModelId, pallet_attestation::ModelOf<Runtime>> {
			Attestation::models(start_after, limit)
		}
		fn model_counts(model_id: ModelId) -> Option<pallet_attestation::ModelCounts> {
			Attestation::model_counts(model_id)
		}
		fn is_attestor(who: AccountId) -> bool {
			Attestation::is_attestor(who)
		}
		fn attestors() -> Vec<AccountId> {
			Attestation::attestors()
		}
		fn request(request_id: RequestId) -> Option<pallet_attestation::RequestOf<Runtime>> {
			Attestation::request(request_id)
		}
		fn open_requests(
			start_after: Option<RequestId>,
			limit: u32,
		) -> Page<RequestId, pallet_attestation::RequestOf<Runtime>> {
			Attestation::open_requests(start_after, limit)
		}
		fn attestation(request_id: RequestId) -> Option<pallet_attestation::AttestationInfoOf<Runtime>> {
			Attestation::attestation(request_id)
		}
		fn attestations_by_model(
			model_id: ModelId,
			start_after: Option<u32>,
			limit: u32,
		) -> Page<u32, pallet_attestation::AttestationInfoOf<Runtime>> {
			Attestation::attestations_by_model(model_id, start_after, limit)
		}
		fn attestations_by_patient(
			patient: AccountId,
			start_after: Option<u32>,
			limit: u32,
		) -> Page<u32, pallet_attestation::AttestationInfoOf<Runtime>> {
			Attestation::attestations_by_patient(patient, start_after, limit)
		}
		fn attestations_by_block_range(
			from: BlockNumber,
			to: BlockNumber,
			start_after: Option<AttestationSeq>,
			limit: u32,
		) -> Page<AttestationSeq, pallet_attestation::AttestationInfoOf<Runtime>> {
			Attestation::attestations_by_block_range(from, to, start_after, limit)
		}
	}

	impl sp_genesis_builder::GenesisBuilder<Block> for Runtime {
		fn build_state(config: Vec<u8>) -> sp_genesis_builder::Result {
			build_state::<RuntimeGenesisConfig>(config)
		}

		fn get_preset(id: &Option<sp_genesis_builder::PresetId>) -> Option<Vec<u8>> {
			get_preset::<RuntimeGenesisConfig>(id, crate::genesis_config_presets::get_preset)
		}

		fn preset_names() -> Vec<sp_genesis_builder::PresetId> {
			crate::genesis_config_presets::preset_names()
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	impl frame_benchmarking::Benchmark<Block> for Runtime {
		fn benchmark_metadata(extra: bool) -> (
			Vec<frame_benchmarking::BenchmarkList>,
			Vec<frame_support::traits::StorageInfo>,
		) {
			use frame_benchmarking::BenchmarkList;
			use frame_support::traits::StorageInfoTrait;
			use frame_system_benchmarking::Pallet as SystemBench;

			let mut list = Vec::<BenchmarkList>::new();
			list_benchmarks!(list, extra);
			let storage_info = crate::AllPalletsWithSystem::storage_info();
			(list, storage_info)
		}

		#[allow(non_local_definitions)]
		fn dispatch_benchmark(
			config: frame_benchmarking::BenchmarkConfig,
		) -> Result<Vec<frame_benchmarking::BenchmarkBatch>, alloc::string::String> {
			use frame_benchmarking::BenchmarkBatch;
			use frame_support::traits::WhitelistedStorageKeys;
			use frame_system_benchmarking::Pallet as SystemBench;
			use sp_storage::TrackedStorageKey;

			impl frame_system_benchmarking::Config for Runtime {}

			let whitelist: Vec<TrackedStorageKey> =
				crate::AllPalletsWithSystem::whitelisted_storage_keys();
			let mut batches = Vec::<BenchmarkBatch>::new();
			let params = (&config, &whitelist);
			add_benchmarks!(params, batches);
			Ok(batches)
		}
	}

	#[cfg(feature = "try-runtime")]
	impl frame_try_runtime::TryRuntime<Block> for Runtime {
		fn on_runtime_upgrade(checks: frame_try_runtime::UpgradeCheckSelect) -> (Weight, Weight) {
			// A failing migration or `try_state` check must fail the try-runtime run: panicking is
			// how this API reports it (as in polkadot-sdk's runtimes).
			let weight = Executive::try_runtime_upgrade(checks)
				.unwrap_or_else(|e| panic!("try_runtime_upgrade failed: {e:?}"));
			(weight, crate::configs::RuntimeBlockWeights::get().max_block)
		}

		fn execute_block(
			block: <Block as BlockT>::LazyBlock,
			state_root_check: bool,
			signature_check: bool,
			select: frame_try_runtime::TryStateSelect,
		) -> Weight {
			Executive::try_execute_block(block, state_root_check, signature_check, select)
				.unwrap_or_else(|e| panic!("try_execute_block failed: {e:?}"))
		}
	}
}
