#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod agreement;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
mod models;
pub mod offchain;
mod queries;
mod requests;
pub mod runtime_api;
#[cfg(test)]
mod tests;
#[cfg(any(feature = "try-runtime", test))]
mod try_state;
pub mod types;
pub mod weights;
mod withdrawal;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use frame_support::{
	traits::{Get, UnixTime},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use healthchain_primitives::{AttestorRegistry, ConsentCheck, RecordLookup};

/// The key type of attestor keys in a node's keystore: `infr`.
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"infr");

/// Attestor keys (`infr`, sr25519) and their signing glue for the off-chain worker.
///
/// The runtime puts [`crypto::Public`] into its `SessionKeys` (so `--alice` and
/// `author_insertKey` provide it) and sets `type AuthorityId = crypto::InferenceAuthId`.
pub mod crypto {
	use super::KEY_TYPE;
	use sp_core::sr25519::{Public as Sr25519Public, Signature as Sr25519Signature};
	use sp_runtime::{
		app_crypto::{app_crypto, sr25519},
		MultiSignature, MultiSigner,
	};

	app_crypto!(sr25519, KEY_TYPE);

	/// The signer the off-chain worker submits results with: an `infr` sr25519 key whose
	/// account (`MultiSigner::Sr25519(key).into_account()`) is a hospital's attestor account.
	pub struct InferenceAuthId;

	impl frame_system::offchain::AppCrypto<MultiSigner, MultiSignature> for InferenceAuthId {
		type RuntimeAppPublic = Public;
		type GenericSignature = Sr25519Signature;
		type GenericPublic = Sr25519Public;
	}
}

/// A stored model of runtime `T`.
pub type ModelOf<T> = Model<T>;
/// A stored request of runtime `T`.
pub type RequestOf<T> = Request<T>;
/// A stored attestation of runtime `T`.
pub type AttestationOf<T> = Attestation<T>;
/// An attestation as the queries return it, for runtime `T`.
pub type AttestationInfoOf<T> = AttestationInfo<Attestation<T>>;

#[frame_support::pallet]
// `propose_model` takes a model's registry entry field by field (file hash, card hash, name,
// version, output size, tolerance, engine version) rather than as one struct, so that each is a
// named, documented argument of the call in the metadata, as polkadot.js shows it to the proposer.
#[allow(clippy::too_many_arguments)]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::{
		offchain::{AppCrypto, CreateSignedTransaction},
		pallet_prelude::*,
	};
	use sp_runtime::traits::Zero;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(2);

	/// The attestation pallet.
	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the attestation pallet.
	#[pallet::config]
	pub trait Config:
		frame_system::Config<RuntimeEvent: From<Event<Self>>> + CreateSignedTransaction<Call<Self>>
	{
		/// The key the off-chain worker signs submissions with: [`crate::crypto::InferenceAuthId`].
		type AuthorityId: AppCrypto<Self::Public, Self::Signature>;

		/// Who may propose a model (e.g. a member of the hospital consortium). Returns the
		/// proposer's account.
		type ModelProposerOrigin: EnsureOrigin<Self::RuntimeOrigin, Success = Self::AccountId>;

		/// Who approves and retires models (root in development, a hospital council in
		/// production).
		type ModelApprovalOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The attestors: the accounts whose signed results this pallet accepts, each bound to
		/// the custodian whose node signs with it (in the healthchain runtime, the attestor
		/// accounts of the consortium's hospitals with the attestor role). A submission counts
		/// only if that custodian holds the record, and once per custodian. The pallet keeps no
		/// list of its own, so membership has one source.
		type Attestors: AttestorRegistry<Self::AccountId>;

		/// The consent check: a request needs the patient's consent for AI-assisted diagnosis
		/// on the record, at request time and at every submission.
		type ConsentCheck: ConsentCheck<Self::AccountId, BlockNumberFor<Self>>;

		/// The record lookup: a request pins the current version of an anchored record.
		type RecordLookup: RecordLookup<Self::AccountId>;

		/// Wall-clock time, for the time of requests and attestations.
		type Time: UnixTime;

		/// How many blocks a request stays open: it expires at the start of block
		/// `requested_at + RequestTimeout` unless settled before.
		#[pallet::constant]
		type RequestTimeout: Get<BlockNumberFor<Self>>;

		/// The largest quorum a request may ask for. Bounds the work of every submission.
		#[pallet::constant]
		type MaxQuorum: Get<u32>;

		/// Most requests made in one block (they all expire in the same later block, and
		/// `on_initialize` expires at most this many per block).
		#[pallet::constant]
		type MaxRequestsPerBlock: Get<u32>;

		/// Most open requests on one record. At the bound `request_inference` fails with
		/// `TooManyOpenRequestsForRecord`; it bounds the work of erasing or amending a record,
		/// which cancels them all in the same call.
		#[pallet::constant]
		type MaxOpenRequestsPerRecord: Get<u32>;

		/// Most open requests one requester has on one patient's records. At the bound
		/// `request_inference` fails with `TooManyOpenRequestsForPair`; it bounds the work of
		/// a consent change, which re-checks them all in the same call.
		#[pallet::constant]
		type MaxOpenRequestsPerPair: Get<u32>;

		/// Most inferences the off-chain worker runs per block.
		#[pallet::constant]
		type MaxRequestsPerOcwRun: Get<u32>;

		/// Longest model name, in bytes.
		#[pallet::constant]
		type MaxNameLen: Get<u32>;

		/// Longest model version, in bytes.
		#[pallet::constant]
		type MaxVersionLen: Get<u32>;

		/// Longest engine version, in bytes.
		#[pallet::constant]
		type MaxEngineVersionLen: Get<u32>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// Every model ever proposed, by id.
	#[pallet::storage]
	pub type Models<T: Config> = StorageMap<_, Twox64Concat, ModelId, ModelOf<T>>;

	/// The id the next model will get.
	#[pallet::storage]
	pub type NextModelId<T> = StorageValue<_, ModelId, ValueQuery>;

	/// The model registered under each ONNX file hash: a hash is registered once.
	#[pallet::storage]
	pub type ModelIdByHash<T> = StorageMap<_, Blake2_128Concat, ModelHash, ModelId>;

	/// Every inference request, by id, with every submission it received.
	#[pallet::storage]
	pub type Requests<T: Config> = StorageMap<_, Twox64Concat, RequestId, RequestOf<T>>;

	/// The id the next request will get.
	#[pallet::storage]
	pub type NextRequestId<T> = StorageValue<_, RequestId, ValueQuery>;

	/// The requests still open: what the off-chain worker looks at.
	#[pallet::storage]
	pub type OpenRequests<T> = CountedStorageMap<_, Twox64Concat, RequestId, ()>;

	/// The open requests on each record: what erasing or amending the record cancels.
	#[pallet::storage]
	pub type OpenRequestsByRecord<T: Config> = StorageMap<
		_,
		Twox64Concat,
		RecordId,
		BoundedVec<RequestId, T::MaxOpenRequestsPerRecord>,
		ValueQuery,
	>;

	/// The open requests of each (patient, requester) pair whose requester is not the patient:
	/// what a consent change of the patient for the requester re-checks.
	#[pallet::storage]
	pub type OpenRequestsByPair<T: Config> = StorageDoubleMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Blake2_128Concat,
		T::AccountId,
		BoundedVec<RequestId, T::MaxOpenRequestsPerPair>,
		ValueQuery,
	>;

	/// The requests whose deadline is a block, by that block: what `on_initialize` expires.
	#[pallet::storage]
	pub type RequestsByDeadline<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<RequestId, T::MaxRequestsPerBlock>,
		ValueQuery,
	>;

	/// The attestation of each attested request.
	#[pallet::storage]
	pub type Attestations<T: Config> = StorageMap<_, Twox64Concat, RequestId, AttestationOf<T>>;

	/// The position the next attestation gets in the chronological listing.
	#[pallet::storage]
	pub type NextAttestationSeq<T> = StorageValue<_, AttestationSeq, ValueQuery>;

	/// Every attestation in the order it was recorded: (block, request). Blocks never decrease
	/// along the listing, so a block range is found by binary search.
	#[pallet::storage]
	pub type AttestationsBySeq<T: Config> =
		StorageMap<_, Twox64Concat, AttestationSeq, (BlockNumberFor<T>, RequestId)>;

	/// The attestations of each model, oldest first: (model, position) → request. A model's
	/// listing has `ModelStats[model].attested` entries.
	#[pallet::storage]
	pub type AttestationsByModel<T> =
		StorageDoubleMap<_, Twox64Concat, ModelId, Twox64Concat, u32, RequestId>;

	/// The attestations about each patient, oldest first: (patient, position) → request.
	#[pallet::storage]
	pub type AttestationsByPatient<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u32, RequestId>;

	/// How many attestations are about each patient (the length of their listing).
	#[pallet::storage]
	pub type PatientAttestationCount<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// How the requests on each model ended.
	#[pallet::storage]
	pub type ModelStats<T> = StorageMap<_, Twox64Concat, ModelId, ModelCounts, ValueQuery>;

	/// Models approved from the first block.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Models registered and approved at genesis, each with the fields `propose_model` takes.
		pub models: Vec<GenesisModel>,
		#[doc(hidden)]
		#[serde(skip)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for genesis_model in &self.models {
				assert!(
					(1..=T::MaxQuorum::get()).contains(&genesis_model.min_quorum),
					"genesis model minimum quorum outside 1..=MaxQuorum"
				);
				let model_id = Pallet::<T>::new_model(
					None,
					genesis_model.model_hash,
					genesis_model.card_hash,
					BoundedVec::try_from(genesis_model.name.clone())
						.expect("genesis model name longer than MaxNameLen"),
					BoundedVec::try_from(genesis_model.version.clone())
						.expect("genesis model version longer than MaxVersionLen"),
					genesis_model.output_size,
					genesis_model.tolerance_ppm,
					BoundedVec::try_from(genesis_model.engine_version.clone())
						.expect("genesis engine version longer than MaxEngineVersionLen"),
				)
				.expect("genesis model invalid or registered twice");
				Models::<T>::mutate(model_id, |entry| {
					if let Some(model) = entry {
						model.status = ModelStatus::Approved;
						model.approved_at = Some(Zero::zero());
						model.min_quorum = genesis_model.min_quorum;
					}
				});
			}
		}
	}

	/// What happened to models, attestors, requests and attestations.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A model was proposed; governance may now approve it.
		ModelProposed {
			/// The new model.
			model_id: ModelId,
			/// Its ONNX file hash.
			model_hash: ModelHash,
			/// Who proposed it.
			proposer: T::AccountId,
		},
		/// Governance approved a model: requests may name it.
		ModelApproved {
			/// The approved model.
			model_id: ModelId,
			/// Its ONNX file hash.
			model_hash: ModelHash,
		},
		/// Governance retired a model (or withdrew a proposal): no new request may name it.
		ModelRetired {
			/// The retired model.
			model_id: ModelId,
			/// Its ONNX file hash.
			model_hash: ModelHash,
		},
		/// Someone asked for an inference.
		InferenceRequested {
			/// The new request.
			request_id: RequestId,
			/// The model asked for.
			model_id: ModelId,
			/// The record it is to run on.
			record_id: RecordId,
			/// The commitment of the record version pinned.
			commitment: RecordCommitment,
			/// Who asked.
			requester: T::AccountId,
			/// How many agreeing results make an attestation.
			quorum: u32,
			/// The first block in which the request no longer takes submissions.
			deadline: BlockNumberFor<T>,
		},
		/// An attestor submitted a result.
		ResultSubmitted {
			/// The request.
			request_id: RequestId,
			/// The attestor.
			attestor: T::AccountId,
			/// The fixed-point output submitted.
			output: OutputValues,
		},
		/// An attestor reported that its node could not run the inference.
		FailureReported {
			/// The request.
			request_id: RequestId,
			/// The attestor.
			attestor: T::AccountId,
			/// Why the inference failed.
			failure: InferenceFailure,
		},
		/// `quorum` results agreed: an attestation was recorded.
		RequestAttested {
			/// The request.
			request_id: RequestId,
			/// The model.
			model_id: ModelId,
			/// The record.
			record_id: RecordId,
			/// The attested fixed-point output.
			output: OutputValues,
			/// The attestors whose results agreed.
			attestors: BoundedVec<T::AccountId, T::MaxQuorum>,
		},
		/// The results conflict so that `quorum` agreeing results can no longer be reached.
		RequestDisputed {
			/// The request.
			request_id: RequestId,
			/// The model.
			model_id: ModelId,
			/// How many results were submitted.
			results: u32,
		},
		/// `quorum` attestors reported failures.
		RequestFailed {
			/// The request.
			request_id: RequestId,
			/// The model.
			model_id: ModelId,
		},
		/// A request's deadline passed before it settled.
		RequestExpired {
			/// The request.
			request_id: RequestId,
			/// The model.
			model_id: ModelId,
		},
		/// A request was cancelled without a result.
		RequestCancelled {
			/// The request.
			request_id: RequestId,
			/// Why.
			reason: CancelReason,
			/// The account whose transaction found or asked for the cancellation.
			by: T::AccountId,
		},
		/// Governance set the smallest quorum requests on a model may ask for.
		ModelMinQuorumSet {
			/// The model.
			model_id: ModelId,
			/// Its minimum quorum from now on.
			min_quorum: u32,
		},
	}

	/// Why a call failed.
	#[pallet::error]
	pub enum Error<T> {
		/// A model needs a name.
		EmptyName,
		/// A model needs a version.
		EmptyVersion,
		/// A model needs the engine version it is pinned to.
		EmptyEngineVersion,
		/// A model's output size must be between 1 and `MAX_OUTPUT_VALUES` (16).
		InvalidOutputSize,
		/// A model with this ONNX file hash is already registered.
		ModelAlreadyRegistered,
		/// Every model id has been used.
		ModelIdsExhausted,
		/// No model has this id.
		ModelNotFound,
		/// The model is already approved.
		ModelAlreadyApproved,
		/// The model is retired: it can be neither approved nor retired again.
		ModelAlreadyRetired,
		/// The model is not approved (still proposed, or retired): it cannot be requested.
		ModelNotApproved,
		/// The account is not a registered attestor.
		NotAttestor,
		/// The quorum must be between 1 and `MaxQuorum`.
		InvalidQuorum,
		/// No record has this id.
		RecordNotFound,
		/// The record is erased: it cannot be used.
		RecordErased,
		/// The requester holds no consent of the patient permitting AI-assisted diagnosis on
		/// this record now (the consent runtime API's `check_permission` tells why).
		NoConsent,
		/// Every request id has been used.
		RequestIdsExhausted,
		/// `MaxRequestsPerBlock` requests were already made in this block: try the next one.
		TooManyRequestsInBlock,
		/// No request has this id.
		RequestNotFound,
		/// The request is no longer open (attested, disputed, failed, expired or cancelled).
		RequestNotOpen,
		/// The request's deadline has passed.
		RequestExpired,
		/// This attestor's custodian already submitted to this request (with this key or an
		/// earlier one): each hospital submits once.
		AlreadySubmitted,
		/// The output does not have the model's `output_size` values.
		WrongOutputSize,
		/// `RecordNotHeld` is not a failure to report: a node that does not hold the record has
		/// nothing to say about it.
		RecordNotHeldIsNotAFailure,
		/// The request already holds the most submissions it can take.
		TooManySubmissions,
		/// Only the requester may cancel a request that is still permitted.
		RequestStillPermitted,
		/// The attestor's custodian does not hold the record: it neither anchored it nor was
		/// it shared with it (`records.share_record`), so its node cannot have run the model on
		/// it.
		NotRecordHolder,
		/// `NodeBusy` and `WorkerUnavailable` are transient faults of the reporting node, not
		/// failures of the model on the record: the node tries again later and reports nothing.
		LocalFaultIsNotAFailure,
		/// The quorum is below the model's minimum quorum (`Model::min_quorum`).
		QuorumBelowModelMinimum,
		/// The record already has `MaxOpenRequestsPerRecord` open requests: wait until one
		/// settles.
		TooManyOpenRequestsForRecord,
		/// The requester already has `MaxOpenRequestsPerPair` open requests on this patient's
		/// records: wait until one settles.
		TooManyOpenRequestsForPair,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		/// Expires the requests whose deadline is this block (at most `MaxRequestsPerBlock`).
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let expired = Pallet::<T>::expire_requests(now);
			T::WeightInfo::expire_requests(expired)
		}

		/// Runs the approved models on the open requests whose records this node holds, and
		/// submits the results (see [`crate::offchain`]).
		fn offchain_worker(now: BlockNumberFor<T>) {
			crate::offchain::run::<T>(now);
		}

		fn integrity_test() {
			assert!(T::MaxQuorum::get() > 0, "MaxQuorum must be at least 1");
			assert!(T::MaxQuorum::get() <= 64, "MaxQuorum must be at most 64");
			assert!(T::MaxRequestsPerBlock::get() > 0, "MaxRequestsPerBlock must be at least 1");
			assert!(T::MaxRequestsPerOcwRun::get() > 0, "MaxRequestsPerOcwRun must be at least 1");
			assert!(
				T::MaxOpenRequestsPerRecord::get() > 0,
				"MaxOpenRequestsPerRecord must be at least 1"
			);
			assert!(
				T::MaxOpenRequestsPerPair::get() > 0,
				"MaxOpenRequestsPerPair must be at least 1"
			);
			assert!(!T::RequestTimeout::get().is_zero(), "RequestTimeout must be at least 1 block");
			assert!(T::MaxNameLen::get() > 0, "MaxNameLen must be at least 1");
			assert!(T::MaxVersionLen::get() > 0, "MaxVersionLen must be at least 1");
			assert!(T::MaxEngineVersionLen::get() > 0, "MaxEngineVersionLen must be at least 1");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Propose a model for approval: `model_hash` is blake2-256 of the ONNX file,
		/// `card_hash` blake2-256 of its model card, `name` and `version` as in the card,
		/// `output_size` the number of output values (1 to 16), `tolerance_ppm` how far two
		/// nodes' fixed-point outputs may differ element-wise and still agree, and
		/// `engine_version` the engine it is pinned to (e.g. `tract-onnx 0.23.9`). Only
		/// `ModelProposerOrigin` may; a hash is registered once.
		#[pallet::call_index(0)]
		#[pallet::weight(T::WeightInfo::propose_model())]
		pub fn propose_model(
			origin: OriginFor<T>,
			model_hash: ModelHash,
			card_hash: Hash32,
			name: BoundedVec<u8, T::MaxNameLen>,
			version: BoundedVec<u8, T::MaxVersionLen>,
			output_size: u32,
			tolerance_ppm: u32,
			engine_version: BoundedVec<u8, T::MaxEngineVersionLen>,
		) -> DispatchResult {
			let proposer = T::ModelProposerOrigin::ensure_origin(origin)?;
			let model_id = Self::new_model(
				Some(proposer.clone()),
				model_hash,
				card_hash,
				name,
				version,
				output_size,
				tolerance_ppm,
				engine_version,
			)?;
			Self::deposit_event(Event::ModelProposed { model_id, model_hash, proposer });
			Ok(())
		}

		/// Approve the proposed model `model_id`: requests may name it from now on. Only
		/// `ModelApprovalOrigin` may.
		#[pallet::call_index(1)]
		#[pallet::weight(T::WeightInfo::approve_model())]
		pub fn approve_model(origin: OriginFor<T>, model_id: ModelId) -> DispatchResult {
			T::ModelApprovalOrigin::ensure_origin(origin)?;
			Self::do_approve_model(model_id)
		}

		/// Retire the model `model_id` (approved, or a proposal never approved): no new request
		/// may name it, open requests on it are cancelled when next touched, and its
		/// attestations stay readable, reporting the model as retired. Only
		/// `ModelApprovalOrigin` may.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::retire_model())]
		pub fn retire_model(origin: OriginFor<T>, model_id: ModelId) -> DispatchResult {
			T::ModelApprovalOrigin::ensure_origin(origin)?;
			Self::do_retire_model(model_id)
		}

		/// Ask for an inference of the approved model `model_id` on the record `record_id`,
		/// attested when `quorum` results agree (the model's `min_quorum` to `MaxQuorum`),
		/// each from a different hospital that holds the record. The record must be
		/// current (not erased) and, unless the caller is the patient, the patient's consent
		/// must permit the caller AI-assisted diagnosis on the record now. The request pins the
		/// record's current commitment and stays open for `RequestTimeout` blocks.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::request_inference()
			.saturating_add(T::ConsentCheck::check_weight())
			.saturating_add(T::RecordLookup::lookup_weight()))]
		pub fn request_inference(
			origin: OriginFor<T>,
			model_id: ModelId,
			record_id: RecordId,
			quorum: u32,
		) -> DispatchResult {
			let requester = ensure_signed(origin)?;
			Self::do_request_inference(requester, model_id, record_id, quorum).map(|_| ())
		}

		/// Submit the fixed-point `output` of the request's model on its record, as the
		/// attestor of a hospital that holds the record, once per request and hospital. Free of fees for a registered attestor on an
		/// open request it has not answered yet (with `SkipCheckIfFeeless` in the runtime;
		/// otherwise refunded). Before the result is counted, the record, the patient's consent
		/// and the model are checked again: if the request is no longer permitted it is
		/// cancelled and the result is not recorded.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::submit_result(T::MaxQuorum::get())
			.saturating_add(T::ConsentCheck::check_weight())
			.saturating_add(T::RecordLookup::lookup_weight()))]
		#[pallet::feeless_if(|origin: &OriginFor<T>, request_id: &RequestId, _output: &InferenceOutput| -> bool {
			Pallet::<T>::accepts_submission(origin, *request_id)
		})]
		pub fn submit_result(
			origin: OriginFor<T>,
			request_id: RequestId,
			output: InferenceOutput,
		) -> DispatchResultWithPostInfo {
			let attestor = ensure_signed(origin)?;
			Self::do_submit_result(attestor, request_id, output)
		}

		/// Report, as a registered attestor, that the node could not run the request's model on
		/// its record, and why (`RecordNotHeld` is not reported: such a node says nothing; nor
		/// are the transient faults `NodeBusy` and `WorkerUnavailable`, which it retries).
		/// Once per request, fee-free as `submit_result`, with the same re-checks.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::report_failure(T::MaxQuorum::get())
			.saturating_add(T::ConsentCheck::check_weight())
			.saturating_add(T::RecordLookup::lookup_weight()))]
		#[pallet::feeless_if(|origin: &OriginFor<T>, request_id: &RequestId, failure: &InferenceFailure| -> bool {
			*failure != InferenceFailure::RecordNotHeld
				&& !failure.is_transient()
				&& Pallet::<T>::accepts_submission(origin, *request_id)
		})]
		pub fn report_failure(
			origin: OriginFor<T>,
			request_id: RequestId,
			failure: InferenceFailure,
		) -> DispatchResultWithPostInfo {
			let attestor = ensure_signed(origin)?;
			Self::do_report_failure(attestor, request_id, failure)
		}

		/// Cancel the open request `request_id`. The requester may always withdraw it; anyone
		/// else only when it is no longer permitted: the record was erased or amended, the
		/// patient's consent no longer permits the requester, or the model was retired.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::cancel_request()
			.saturating_add(T::ConsentCheck::check_weight())
			.saturating_add(T::RecordLookup::lookup_weight()))]
		pub fn cancel_request(origin: OriginFor<T>, request_id: RequestId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_cancel_request(who, request_id)
		}

		/// Set the smallest quorum requests on model `model_id` may ask for (1 to
		/// `MaxQuorum`): requests made from now on below it are refused; open ones keep their
		/// quorum. Only `ModelApprovalOrigin` may.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::set_min_quorum())]
		pub fn set_min_quorum(
			origin: OriginFor<T>,
			model_id: ModelId,
			min_quorum: u32,
		) -> DispatchResult {
			T::ModelApprovalOrigin::ensure_origin(origin)?;
			Self::do_set_min_quorum(model_id, min_quorum)
		}
	}
}

/// The log target of this pallet.
pub const LOG_TARGET: &str = "runtime::attestation";
