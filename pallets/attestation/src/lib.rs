#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod agreement;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod offchain;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use pallet::*;
pub use types::*;
pub use weights::WeightInfo;

use alloc::vec::Vec;
use frame_support::{
	dispatch::{DispatchResultWithPostInfo, Pays, PostDispatchInfo},
	ensure,
	pallet_prelude::{DispatchError, Weight},
	traits::{Get, UnixTime},
	BoundedVec,
};
use frame_system::pallet_prelude::BlockNumberFor;
use pallet_consent::{ConsentCheck, DataTarget, Purpose};
use pallet_records::{traits::RecordLookup, RecordStatus};
use sp_runtime::{traits::Saturating, SaturatedConversion};

/// The key type of attestor keys in a node's keystore: `infr`.
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"infr");

/// The most entries one page of a runtime-API listing returns, whatever `limit` asks.
pub const MAX_PAGE_SIZE: u32 = 1000;

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
	/// account (`MultiSigner::Sr25519(key).into_account()`) governance registered as attestor.
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
// `propose_model` takes the seven fields of a model card entry, as the issue specifies.
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
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

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

		/// Who registers and removes attestors (root in development, a hospital council in
		/// production).
		type AttestorOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The consent check: a request needs the patient's consent for AI-assisted diagnosis
		/// on the record, at request time and at every submission.
		type Consent: ConsentCheck<Self::AccountId, BlockNumberFor<Self>>;

		/// The record lookup: a request pins the current version of an anchored record.
		type Records: RecordLookup<Self::AccountId>;

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

		/// Most inferences the off-chain worker runs per block.
		#[pallet::constant]
		type MaxRequestsPerOcwRun: Get<u32>;

		/// Most registered attestors.
		#[pallet::constant]
		type MaxAttestors: Get<u32>;

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

	/// The registered attestors, with the block each was registered in.
	#[pallet::storage]
	pub type Attestors<T: Config> =
		CountedStorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>>;

	/// Every inference request, by id, with every submission it received.
	#[pallet::storage]
	pub type Requests<T: Config> = StorageMap<_, Twox64Concat, RequestId, RequestOf<T>>;

	/// The id the next request will get.
	#[pallet::storage]
	pub type NextRequestId<T> = StorageValue<_, RequestId, ValueQuery>;

	/// The requests still open: what the off-chain worker looks at.
	#[pallet::storage]
	pub type OpenRequests<T> = CountedStorageMap<_, Twox64Concat, RequestId, ()>;

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

	/// Models approved and attestors registered from the first block.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// Models registered and approved at genesis: `(model_hash, card_hash, name, version,
		/// output_size, tolerance_ppm, engine_version)`.
		pub models: Vec<GenesisModel>,
		/// Accounts registered as attestors at genesis.
		pub attestors: Vec<T::AccountId>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			for (model_hash, card_hash, name, version, output_size, tolerance_ppm, engine) in
				&self.models
			{
				let model = Pallet::<T>::new_model(
					None,
					*model_hash,
					*card_hash,
					BoundedVec::try_from(name.clone())
						.expect("genesis model name longer than MaxNameLen"),
					BoundedVec::try_from(version.clone())
						.expect("genesis model version longer than MaxVersionLen"),
					*output_size,
					*tolerance_ppm,
					BoundedVec::try_from(engine.clone())
						.expect("genesis engine version longer than MaxEngineVersionLen"),
				)
				.expect("genesis model invalid or registered twice");
				Models::<T>::mutate(model, |entry| {
					if let Some(model) = entry {
						model.status = ModelStatus::Approved;
						model.approved_at = Some(Zero::zero());
					}
				});
			}
			for attestor in &self.attestors {
				Pallet::<T>::do_add_attestor(attestor.clone())
					.expect("genesis attestor listed twice, or more than MaxAttestors");
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
		/// An account was registered as attestor.
		AttestorAdded {
			/// The new attestor.
			attestor: T::AccountId,
		},
		/// An attestor was removed; its past submissions stay.
		AttestorRemoved {
			/// The former attestor.
			attestor: T::AccountId,
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
		/// The account is already a registered attestor.
		AlreadyAttestor,
		/// There are already `MaxAttestors` attestors.
		TooManyAttestors,
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
		/// This attestor already submitted to this request: each submits once.
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
			let now = frame_system::Pallet::<T>::block_number();
			let model_hash = Models::<T>::try_mutate(model_id, |entry| {
				let model = entry.as_mut().ok_or(Error::<T>::ModelNotFound)?;
				match model.status {
					ModelStatus::Proposed => {},
					ModelStatus::Approved => return Err(Error::<T>::ModelAlreadyApproved),
					ModelStatus::Retired => return Err(Error::<T>::ModelAlreadyRetired),
				}
				model.status = ModelStatus::Approved;
				model.approved_at = Some(now);
				Ok(model.model_hash)
			})?;
			Self::deposit_event(Event::ModelApproved { model_id, model_hash });
			Ok(())
		}

		/// Retire the model `model_id` (approved, or a proposal never approved): no new request
		/// may name it, open requests on it are cancelled when next touched, and its
		/// attestations stay readable, reporting the model as retired. Only
		/// `ModelApprovalOrigin` may.
		#[pallet::call_index(2)]
		#[pallet::weight(T::WeightInfo::retire_model())]
		pub fn retire_model(origin: OriginFor<T>, model_id: ModelId) -> DispatchResult {
			T::ModelApprovalOrigin::ensure_origin(origin)?;
			let now = frame_system::Pallet::<T>::block_number();
			let model_hash = Models::<T>::try_mutate(model_id, |entry| {
				let model = entry.as_mut().ok_or(Error::<T>::ModelNotFound)?;
				ensure!(model.status != ModelStatus::Retired, Error::<T>::ModelAlreadyRetired);
				model.status = ModelStatus::Retired;
				model.retired_at = Some(now);
				Ok::<_, Error<T>>(model.model_hash)
			})?;
			Self::deposit_event(Event::ModelRetired { model_id, model_hash });
			Ok(())
		}

		/// Register `attestor` as an account allowed to submit results. The pallet gives the
		/// account a provider reference, so an attestor needs no funds to exist and send its
		/// (fee-less) submissions. Only `AttestorOrigin` may.
		#[pallet::call_index(3)]
		#[pallet::weight(T::WeightInfo::add_attestor())]
		pub fn add_attestor(origin: OriginFor<T>, attestor: T::AccountId) -> DispatchResult {
			T::AttestorOrigin::ensure_origin(origin)?;
			Self::do_add_attestor(attestor.clone())?;
			Self::deposit_event(Event::AttestorAdded { attestor });
			Ok(())
		}

		/// Remove the attestor `attestor`: it may no longer submit; its past submissions and
		/// attestations stay. Only `AttestorOrigin` may.
		#[pallet::call_index(4)]
		#[pallet::weight(T::WeightInfo::remove_attestor())]
		pub fn remove_attestor(origin: OriginFor<T>, attestor: T::AccountId) -> DispatchResult {
			T::AttestorOrigin::ensure_origin(origin)?;
			ensure!(Attestors::<T>::contains_key(&attestor), Error::<T>::NotAttestor);
			Attestors::<T>::remove(&attestor);
			if let Err(error) = frame_system::Pallet::<T>::dec_providers(&attestor) {
				// The account has consumers (e.g. holds) and no other provider: keep our
				// reference rather than keep a removed attestor.
				log::warn!(
					target: LOG_TARGET,
					"attestor removed, provider reference kept: {error:?}",
				);
			}
			Self::deposit_event(Event::AttestorRemoved { attestor });
			Ok(())
		}

		/// Ask for an inference of the approved model `model_id` on the record `record_id`,
		/// attested when `quorum` results agree (1 to `MaxQuorum`). The record must be
		/// current (not erased) and, unless the caller is the patient, the patient's consent
		/// must permit the caller AI-assisted diagnosis on the record now. The request pins the
		/// record's current commitment and stays open for `RequestTimeout` blocks.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::request_inference()
			.saturating_add(T::Consent::check_weight())
			.saturating_add(T::Records::lookup_weight()))]
		pub fn request_inference(
			origin: OriginFor<T>,
			model_id: ModelId,
			record_id: RecordId,
			quorum: u32,
		) -> DispatchResult {
			let requester = ensure_signed(origin)?;
			Self::do_request_inference(requester, model_id, record_id, quorum).map(|_| ())
		}

		/// Submit the fixed-point `output` of the request's model on its record, as a
		/// registered attestor, once per request. Free of fees for a registered attestor on an
		/// open request it has not answered yet (with `SkipCheckIfFeeless` in the runtime;
		/// otherwise refunded). Before the result is counted, the record, the patient's consent
		/// and the model are checked again: if the request is no longer permitted it is
		/// cancelled and the result is not recorded.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::submit_result(T::MaxQuorum::get())
			.saturating_add(T::Consent::check_weight())
			.saturating_add(T::Records::lookup_weight()))]
		#[pallet::feeless_if(|origin: &OriginFor<T>, request_id: &RequestId, _output: &InferenceOutput| -> bool {
			Pallet::<T>::accepts_submission(origin, *request_id)
		})]
		pub fn submit_result(
			origin: OriginFor<T>,
			request_id: RequestId,
			output: InferenceOutput,
		) -> DispatchResultWithPostInfo {
			let attestor = ensure_signed(origin)?;
			Self::do_submit(attestor, request_id, Submitted::Output(output))
		}

		/// Report, as a registered attestor, that the node could not run the request's model on
		/// its record, and why (`RecordNotHeld` is not reported: such a node says nothing).
		/// Once per request, fee-free as `submit_result`, with the same re-checks.
		#[pallet::call_index(7)]
		#[pallet::weight(T::WeightInfo::report_failure(T::MaxQuorum::get())
			.saturating_add(T::Consent::check_weight())
			.saturating_add(T::Records::lookup_weight()))]
		#[pallet::feeless_if(|origin: &OriginFor<T>, request_id: &RequestId, failure: &InferenceFailure| -> bool {
			*failure != InferenceFailure::RecordNotHeld
				&& Pallet::<T>::accepts_submission(origin, *request_id)
		})]
		pub fn report_failure(
			origin: OriginFor<T>,
			request_id: RequestId,
			failure: InferenceFailure,
		) -> DispatchResultWithPostInfo {
			let attestor = ensure_signed(origin)?;
			Self::do_submit(attestor, request_id, Submitted::Failure(failure))
		}

		/// Cancel the open request `request_id`. The requester may always withdraw it; anyone
		/// else only when it is no longer permitted: the record was erased or amended, the
		/// patient's consent no longer permits the requester, or the model was retired.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::cancel_request()
			.saturating_add(T::Consent::check_weight())
			.saturating_add(T::Records::lookup_weight()))]
		pub fn cancel_request(origin: OriginFor<T>, request_id: RequestId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let request = Requests::<T>::get(request_id).ok_or(Error::<T>::RequestNotFound)?;
			ensure!(request.status.is_open(), Error::<T>::RequestNotOpen);
			let now = frame_system::Pallet::<T>::block_number();
			let reason = match Self::cancel_reason(&request, now) {
				Some(reason) => reason,
				None if who == request.requester => CancelReason::WithdrawnByRequester,
				None => return Err(Error::<T>::RequestStillPermitted.into()),
			};
			Self::cancel(request_id, request, reason, who, now);
			Ok(())
		}
	}
}

/// The log target of this pallet.
pub const LOG_TARGET: &str = "runtime::attestation";

/// What an attestor submits.
enum Submitted {
	Output(InferenceOutput),
	Failure(InferenceFailure),
}

// Internal logic.
impl<T: Config> Pallet<T> {
	/// The wall-clock time now, in milliseconds.
	fn now_ms() -> Moment {
		T::Time::now().as_millis().saturated_into()
	}

	/// Registers a new model as `Proposed` after checking its fields; returns its id.
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn new_model(
		proposer: Option<T::AccountId>,
		model_hash: ModelHash,
		card_hash: Hash32,
		name: BoundedVec<u8, T::MaxNameLen>,
		version: BoundedVec<u8, T::MaxVersionLen>,
		output_size: u32,
		tolerance_ppm: u32,
		engine_version: BoundedVec<u8, T::MaxEngineVersionLen>,
	) -> Result<ModelId, DispatchError> {
		ensure!(!name.is_empty(), Error::<T>::EmptyName);
		ensure!(!version.is_empty(), Error::<T>::EmptyVersion);
		ensure!(!engine_version.is_empty(), Error::<T>::EmptyEngineVersion);
		ensure!((1..=MAX_OUTPUT_VALUES).contains(&output_size), Error::<T>::InvalidOutputSize);
		ensure!(!ModelIdByHash::<T>::contains_key(model_hash), Error::<T>::ModelAlreadyRegistered);
		let model_id = NextModelId::<T>::get();
		let next_id = model_id.checked_add(1).ok_or(Error::<T>::ModelIdsExhausted)?;
		Models::<T>::insert(
			model_id,
			Model {
				model_hash,
				card_hash,
				name,
				version,
				output_size,
				tolerance_ppm,
				engine_version,
				status: ModelStatus::Proposed,
				proposer,
				proposed_at: frame_system::Pallet::<T>::block_number(),
				approved_at: None,
				retired_at: None,
			},
		);
		ModelIdByHash::<T>::insert(model_hash, model_id);
		NextModelId::<T>::put(next_id);
		Ok(model_id)
	}

	/// Registers an attestor and gives its account a provider reference.
	pub(crate) fn do_add_attestor(attestor: T::AccountId) -> Result<(), DispatchError> {
		ensure!(!Attestors::<T>::contains_key(&attestor), Error::<T>::AlreadyAttestor);
		ensure!(Attestors::<T>::count() < T::MaxAttestors::get(), Error::<T>::TooManyAttestors);
		frame_system::Pallet::<T>::inc_providers(&attestor);
		Attestors::<T>::insert(&attestor, frame_system::Pallet::<T>::block_number());
		Ok(())
	}

	/// Makes an inference request after the checks of `request_inference`; returns its id.
	pub(crate) fn do_request_inference(
		requester: T::AccountId,
		model_id: ModelId,
		record_id: RecordId,
		quorum: u32,
	) -> Result<RequestId, DispatchError> {
		ensure!((1..=T::MaxQuorum::get()).contains(&quorum), Error::<T>::InvalidQuorum);
		let model = Models::<T>::get(model_id).ok_or(Error::<T>::ModelNotFound)?;
		ensure!(model.status == ModelStatus::Approved, Error::<T>::ModelNotApproved);
		let record = T::Records::record(record_id).ok_or(Error::<T>::RecordNotFound)?;
		ensure!(record.status == RecordStatus::Current, Error::<T>::RecordErased);
		let now = frame_system::Pallet::<T>::block_number();
		if requester != record.patient {
			T::Consent::is_permitted(
				&record.patient,
				&requester,
				Purpose::AiAssistedDiagnosis,
				&DataTarget::record(record.data_class, record_id),
				now,
			)
			.map_err(|_| Error::<T>::NoConsent)?;
		}

		let request_id = NextRequestId::<T>::get();
		let next_id = request_id.checked_add(1).ok_or(Error::<T>::RequestIdsExhausted)?;
		let deadline = now.saturating_add(T::RequestTimeout::get());
		RequestsByDeadline::<T>::try_mutate(deadline, |ids| ids.try_push(request_id))
			.map_err(|_| Error::<T>::TooManyRequestsInBlock)?;

		Requests::<T>::insert(
			request_id,
			Request {
				requester: requester.clone(),
				model_id,
				model_hash: model.model_hash,
				record_id,
				commitment: record.commitment,
				patient: record.patient,
				custodian: record.custodian,
				data_class: record.data_class,
				quorum,
				requested_at: now,
				requested_time: Self::now_ms(),
				deadline,
				status: RequestStatus::Open,
				settled_at: None,
				submissions: BoundedVec::new(),
			},
		);
		OpenRequests::<T>::insert(request_id, ());
		ModelStats::<T>::mutate(model_id, |counts| {
			counts.requested = counts.requested.saturating_add(1)
		});
		NextRequestId::<T>::put(next_id);
		Self::deposit_event(Event::InferenceRequested {
			request_id,
			model_id,
			record_id,
			commitment: record.commitment,
			requester,
			quorum,
			deadline,
		});
		Ok(request_id)
	}

	/// Whether a submission by `origin` to `request_id` is one the pallet will take: a
	/// registered attestor, an open request within its deadline, no earlier submission by the
	/// same attestor. Decides whether `submit_result` and `report_failure` are free.
	pub fn accepts_submission(
		origin: &frame_system::pallet_prelude::OriginFor<T>,
		request_id: RequestId,
	) -> bool {
		let Ok(who) = frame_system::ensure_signed(origin.clone()) else { return false };
		if !Attestors::<T>::contains_key(&who) {
			return false;
		}
		let now = frame_system::Pallet::<T>::block_number();
		Requests::<T>::get(request_id).is_some_and(|request| {
			request.status.is_open() && now < request.deadline && !request.has_submitted(&who)
		})
	}

	/// Records a submission (result or failure), after the checks of `submit_result`, and
	/// settles the request if the agreement rule says so.
	fn do_submit(
		attestor: T::AccountId,
		request_id: RequestId,
		submitted: Submitted,
	) -> DispatchResultWithPostInfo {
		ensure!(Attestors::<T>::contains_key(&attestor), Error::<T>::NotAttestor);
		let mut request = Requests::<T>::get(request_id).ok_or(Error::<T>::RequestNotFound)?;
		ensure!(request.status.is_open(), Error::<T>::RequestNotOpen);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now < request.deadline, Error::<T>::RequestExpired);
		ensure!(!request.has_submitted(&attestor), Error::<T>::AlreadySubmitted);
		let model = Models::<T>::get(request.model_id).ok_or(Error::<T>::ModelNotFound)?;
		let quorum = request.quorum;
		let answer = match submitted {
			Submitted::Output(output) => {
				ensure!(
					output.values.len() == model.output_size as usize,
					Error::<T>::WrongOutputSize
				);
				Answer::Output(
					OutputValues::try_from(output.values)
						.map_err(|_| Error::<T>::WrongOutputSize)?,
				)
			},
			Submitted::Failure(failure) => {
				ensure!(
					failure != InferenceFailure::RecordNotHeld,
					Error::<T>::RecordNotHeldIsNotAFailure
				);
				Answer::Failure(failure)
			},
		};
		let weight = |quorum: u32| {
			let base = match answer {
				Answer::Output(_) => T::WeightInfo::submit_result(quorum),
				Answer::Failure(_) => T::WeightInfo::report_failure(quorum),
			};
			base.saturating_add(T::Consent::check_weight())
				.saturating_add(T::Records::lookup_weight())
		};
		let post_info =
			PostDispatchInfo { actual_weight: Some(weight(quorum)), pays_fee: Pays::No };

		if let Some(reason) = Self::cancel_reason_for(&request, &model, now) {
			Self::cancel(request_id, request, reason, attestor, now);
			return Ok(post_info);
		}

		request
			.submissions
			.try_push(Submission { attestor: attestor.clone(), answer: answer.clone(), at: now })
			.map_err(|_| Error::<T>::TooManySubmissions)?;
		match answer {
			Answer::Output(output) => {
				Self::deposit_event(Event::ResultSubmitted { request_id, attestor, output })
			},
			Answer::Failure(failure) => {
				Self::deposit_event(Event::FailureReported { request_id, attestor, failure })
			},
		}

		if request.failure_count() >= quorum {
			Self::settle(request_id, &mut request, RequestStatus::Failed, now);
			Self::deposit_event(Event::RequestFailed { request_id, model_id: request.model_id });
		} else {
			let results: Vec<&[i64]> =
				request.results().map(|(_, values)| values.as_slice()).collect();
			match agreement::evaluate(&results, quorum, model.tolerance_ppm) {
				agreement::Outcome::Pending => {},
				agreement::Outcome::Disputed => {
					let results = results.len() as u32;
					Self::settle(request_id, &mut request, RequestStatus::Disputed, now);
					Self::deposit_event(Event::RequestDisputed {
						request_id,
						model_id: request.model_id,
						results,
					});
				},
				agreement::Outcome::Attested(members) => {
					Self::attest(request_id, &mut request, &members, now)
				},
			}
		}
		Requests::<T>::insert(request_id, request);
		Ok(post_info)
	}

	/// Why an open request may no longer go on, if it may not (its model read from storage).
	pub(crate) fn cancel_reason(
		request: &RequestOf<T>,
		now: BlockNumberFor<T>,
	) -> Option<CancelReason> {
		match Models::<T>::get(request.model_id) {
			Some(model) => Self::cancel_reason_for(request, &model, now),
			None => Some(CancelReason::ModelRetired),
		}
	}

	/// Why an open request may no longer go on, if it may not: the pinned record version is no
	/// longer current, the patient's consent no longer permits the requester, or the model was
	/// retired (checked in this order; all three are read in the worst case).
	fn cancel_reason_for(
		request: &RequestOf<T>,
		model: &ModelOf<T>,
		now: BlockNumberFor<T>,
	) -> Option<CancelReason> {
		match T::Records::status_of(request.record_id, &request.commitment) {
			None => return Some(CancelReason::RecordMissing),
			Some(RecordStatus::Erased) => return Some(CancelReason::RecordErased),
			Some(RecordStatus::Superseded) => return Some(CancelReason::RecordSuperseded),
			Some(RecordStatus::Current) => {},
		}
		if request.requester != request.patient {
			if let Err(reason) = T::Consent::is_permitted(
				&request.patient,
				&request.requester,
				Purpose::AiAssistedDiagnosis,
				&DataTarget::record(request.data_class, request.record_id),
				now,
			) {
				return Some(CancelReason::ConsentWithdrawn(reason));
			}
		}
		if model.status != ModelStatus::Approved {
			return Some(CancelReason::ModelRetired);
		}
		None
	}

	/// Marks a request settled with `status`: out of the open set, counted for its model.
	fn settle(
		request_id: RequestId,
		request: &mut RequestOf<T>,
		status: RequestStatus,
		now: BlockNumberFor<T>,
	) {
		request.status = status;
		request.settled_at = Some(now);
		OpenRequests::<T>::remove(request_id);
		ModelStats::<T>::mutate(request.model_id, |counts| counts.count_settled(status));
	}

	/// Cancels an open request and stores it.
	fn cancel(
		request_id: RequestId,
		mut request: RequestOf<T>,
		reason: CancelReason,
		by: T::AccountId,
		now: BlockNumberFor<T>,
	) {
		Self::settle(request_id, &mut request, RequestStatus::Cancelled(reason), now);
		Requests::<T>::insert(request_id, request);
		Self::deposit_event(Event::RequestCancelled { request_id, reason, by });
	}

	/// Settles a request as attested by the results at positions `members` (in result order)
	/// and records the attestation in every listing.
	fn attest(
		request_id: RequestId,
		request: &mut RequestOf<T>,
		members: &[usize],
		now: BlockNumberFor<T>,
	) {
		let results: Vec<(&T::AccountId, &OutputValues)> = request.results().collect();
		let output = members
			.first()
			.and_then(|first| results.get(*first))
			.map(|(_, values)| (*values).clone())
			.unwrap_or_default();
		let attestors = BoundedVec::truncate_from(
			members
				.iter()
				.filter_map(|position| results.get(*position).map(|(who, _)| (*who).clone()))
				.collect(),
		);
		let model_id = request.model_id;
		Self::settle(request_id, request, RequestStatus::Attested, now);

		let seq = NextAttestationSeq::<T>::get();
		NextAttestationSeq::<T>::put(seq.saturating_add(1));
		AttestationsBySeq::<T>::insert(seq, (now, request_id));
		// `settle` counted this attestation: the model's listing position is one less.
		let model_position = ModelStats::<T>::get(model_id).attested.saturating_sub(1);
		AttestationsByModel::<T>::insert(model_id, model_position, request_id);
		let patient_position = PatientAttestationCount::<T>::mutate(&request.patient, |count| {
			let position = *count;
			*count = count.saturating_add(1);
			position
		});
		AttestationsByPatient::<T>::insert(&request.patient, patient_position, request_id);
		Attestations::<T>::insert(
			request_id,
			Attestation {
				request_id,
				model_id,
				model_hash: request.model_hash,
				record_id: request.record_id,
				commitment: request.commitment,
				patient: request.patient.clone(),
				requester: request.requester.clone(),
				output: output.clone(),
				attestors: attestors.clone(),
				attested_at: now,
				attested_time: Self::now_ms(),
				seq,
			},
		);
		Self::deposit_event(Event::RequestAttested {
			request_id,
			model_id,
			record_id: request.record_id,
			output,
			attestors,
		});
	}

	/// Expires the open requests whose deadline is `now`; returns how many ids were looked at.
	pub(crate) fn expire_requests(now: BlockNumberFor<T>) -> u32 {
		let ids = RequestsByDeadline::<T>::take(now);
		let looked_at = ids.len() as u32;
		for request_id in ids {
			let Some(mut request) = Requests::<T>::get(request_id) else { continue };
			if !request.status.is_open() {
				continue;
			}
			Self::settle(request_id, &mut request, RequestStatus::Expired, now);
			let model_id = request.model_id;
			Requests::<T>::insert(request_id, request);
			Self::deposit_event(Event::RequestExpired { request_id, model_id });
		}
		looked_at
	}
}

// Queries for the runtime API (see [`runtime_api::AttestationApi`]).
impl<T: Config> Pallet<T> {
	/// Clamps a page size asked for to `1..=MAX_PAGE_SIZE`.
	fn page_size(limit: u32) -> u32 {
		limit.clamp(1, MAX_PAGE_SIZE)
	}

	/// One model by id.
	pub fn model(model_id: ModelId) -> Option<ModelOf<T>> {
		Models::<T>::get(model_id)
	}

	/// The model registered under an ONNX file hash.
	pub fn model_by_hash(model_hash: ModelHash) -> Option<(ModelId, ModelOf<T>)> {
		let model_id = ModelIdByHash::<T>::get(model_hash)?;
		Models::<T>::get(model_id).map(|model| (model_id, model))
	}

	/// The models in id order, `limit` at most, after `start_after`.
	pub fn models(start_after: Option<ModelId>, limit: u32) -> Page<ModelId, ModelOf<T>> {
		let end = NextModelId::<T>::get();
		let start = start_after.map_or(0, |after| after.saturating_add(1));
		let mut items = Vec::new();
		let mut model_id = start;
		while model_id < end && (items.len() as u32) < Self::page_size(limit) {
			if let Some(model) = Models::<T>::get(model_id) {
				items.push((model_id, model));
			}
			model_id = model_id.saturating_add(1);
		}
		let next = if model_id < end { items.last().map(|(id, _)| *id) } else { None };
		Page { items, next }
	}

	/// How the requests on a model ended; `None` if no model has this id.
	pub fn model_counts(model_id: ModelId) -> Option<ModelCounts> {
		Models::<T>::contains_key(model_id).then(|| ModelStats::<T>::get(model_id))
	}

	/// Whether `who` is a registered attestor.
	pub fn is_attestor(who: T::AccountId) -> bool {
		Attestors::<T>::contains_key(who)
	}

	/// The registered attestors (at most `MaxAttestors`), in storage order.
	pub fn attestors() -> Vec<T::AccountId> {
		Attestors::<T>::iter_keys().collect()
	}

	/// One request by id, with every submission.
	pub fn request(request_id: RequestId) -> Option<RequestOf<T>> {
		Requests::<T>::get(request_id)
	}

	/// The open requests, in storage order, `limit` at most, after `start_after`.
	pub fn open_requests(
		start_after: Option<RequestId>,
		limit: u32,
	) -> Page<RequestId, RequestOf<T>> {
		let mut ids = match start_after {
			Some(after) => OpenRequests::<T>::iter_from(OpenRequests::<T>::hashed_key_for(after)),
			None => OpenRequests::<T>::iter(),
		}
		.map(|(request_id, ())| request_id);
		let mut items = Vec::new();
		let mut last = None;
		for request_id in ids.by_ref().take(Self::page_size(limit) as usize) {
			last = Some(request_id);
			if let Some(request) = Requests::<T>::get(request_id) {
				items.push((request_id, request));
			}
		}
		let next = if ids.next().is_some() { last } else { None };
		Page { items, next }
	}

	/// The attestation of a request, with its model's current status.
	pub fn attestation(request_id: RequestId) -> Option<AttestationInfoOf<T>> {
		let attestation = Attestations::<T>::get(request_id)?;
		let model_status =
			Models::<T>::get(attestation.model_id).map_or(ModelStatus::Retired, |m| m.status);
		Some(AttestationInfo { attestation, model_status })
	}

	/// One page of a listing kept as positions `0..len` → request id.
	fn positional_page(
		len: u32,
		start_after: Option<u32>,
		limit: u32,
		at: impl Fn(u32) -> Option<RequestId>,
	) -> Page<u32, AttestationInfoOf<T>> {
		let start = start_after.map_or(0, |after| after.saturating_add(1));
		let end = start.saturating_add(Self::page_size(limit)).min(len);
		let items = (start..end)
			.filter_map(|position| {
				at(position).and_then(Self::attestation).map(|info| (position, info))
			})
			.collect();
		Page { items, next: if end < len { end.checked_sub(1) } else { None } }
	}

	/// The attestations of a model, oldest first, `limit` at most, after position
	/// `start_after`.
	pub fn attestations_by_model(
		model_id: ModelId,
		start_after: Option<u32>,
		limit: u32,
	) -> Page<u32, AttestationInfoOf<T>> {
		let len = ModelStats::<T>::get(model_id).attested;
		Self::positional_page(len, start_after, limit, |position| {
			AttestationsByModel::<T>::get(model_id, position)
		})
	}

	/// The attestations about a patient, oldest first, `limit` at most, after position
	/// `start_after`.
	pub fn attestations_by_patient(
		patient: T::AccountId,
		start_after: Option<u32>,
		limit: u32,
	) -> Page<u32, AttestationInfoOf<T>> {
		let len = PatientAttestationCount::<T>::get(&patient);
		Self::positional_page(len, start_after, limit, |position| {
			AttestationsByPatient::<T>::get(&patient, position)
		})
	}

	/// The attestations recorded in blocks `from..=to`, oldest first, `limit` at most, after
	/// the listing position `start_after`.
	pub fn attestations_by_block_range(
		from: BlockNumberFor<T>,
		to: BlockNumberFor<T>,
		start_after: Option<AttestationSeq>,
		limit: u32,
	) -> Page<AttestationSeq, AttestationInfoOf<T>> {
		let end = NextAttestationSeq::<T>::get();
		let block_of = |seq: AttestationSeq| AttestationsBySeq::<T>::get(seq).map(|(b, _)| b);
		// The first position whose block is at least `from` (blocks never decrease).
		let first = {
			let (mut low, mut high) = (0, end);
			while low < high {
				let middle = low + (high - low) / 2;
				if block_of(middle).is_none_or(|block| block < from) {
					low = middle + 1;
				} else {
					high = middle;
				}
			}
			low
		};
		let mut seq = start_after.map_or(first, |after| after.saturating_add(1).max(first));
		let mut items = Vec::new();
		let size = Self::page_size(limit) as usize;
		while seq < end && items.len() < size {
			let Some((block, request_id)) = AttestationsBySeq::<T>::get(seq) else {
				seq = seq.saturating_add(1);
				continue;
			};
			if block > to {
				return Page { items, next: None };
			}
			if let Some(info) = Self::attestation(request_id) {
				items.push((seq, info));
			}
			seq = seq.saturating_add(1);
		}
		let more = seq < end && block_of(seq).is_some_and(|block| block <= to);
		let next = if more { seq.checked_sub(1) } else { None };
		Page { items, next }
	}
}

// Invariants, checked by `try_state` and after every unit test.
#[cfg(any(feature = "try-runtime", test))]
impl<T: Config> Pallet<T> {
	/// Checks that models and their hash index agree, that every request is consistent with its
	/// status, submissions, the open set, the deadline buckets and its attestation, that the
	/// counters match the requests, and that every attestation listing is complete and ordered.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use alloc::collections::btree_map::BTreeMap;

		// Models.
		let next_model_id = NextModelId::<T>::get();
		let mut models = 0u32;
		for (model_id, model) in Models::<T>::iter() {
			models += 1;
			ensure!(model_id < next_model_id, "model id not below NextModelId");
			ensure!(
				ModelIdByHash::<T>::get(model.model_hash) == Some(model_id),
				"model missing from the hash index"
			);
			ensure!(
				(1..=MAX_OUTPUT_VALUES).contains(&model.output_size),
				"model output size out of range"
			);
			let consistent = match model.status {
				ModelStatus::Proposed => model.approved_at.is_none() && model.retired_at.is_none(),
				ModelStatus::Approved => model.approved_at.is_some() && model.retired_at.is_none(),
				ModelStatus::Retired => model.retired_at.is_some(),
			};
			ensure!(consistent, "model approval or retirement block disagrees with its status");
		}
		ensure!(
			ModelIdByHash::<T>::iter().count() as u32 == models,
			"hash index and model map differ in size"
		);

		// Attestors.
		ensure!(
			Attestors::<T>::count() <= T::MaxAttestors::get(),
			"more attestors than MaxAttestors"
		);
		ensure!(
			Attestors::<T>::iter_keys().count() as u32 == Attestors::<T>::count(),
			"attestor counter disagrees with the attestor map"
		);

		// Requests.
		let now = frame_system::Pallet::<T>::block_number();
		let next_request_id = NextRequestId::<T>::get();
		let mut counts: BTreeMap<ModelId, ModelCounts> = BTreeMap::new();
		let mut open = 0u32;
		let mut attested = 0u64;
		for (request_id, request) in Requests::<T>::iter() {
			ensure!(request_id < next_request_id, "request id not below NextRequestId");
			ensure!(Models::<T>::contains_key(request.model_id), "request names a missing model");
			ensure!(
				(1..=T::MaxQuorum::get()).contains(&request.quorum),
				"request quorum out of range"
			);
			let mut submitters: Vec<&T::AccountId> =
				request.submissions.iter().map(|s| &s.attestor).collect();
			submitters.sort();
			ensure!(
				submitters.windows(2).all(|w| w[0] != w[1]),
				"an attestor submitted twice to one request"
			);
			let results: Vec<&[i64]> =
				request.results().map(|(_, values)| values.as_slice()).collect();
			ensure!(
				results.len() as u32 <= max_results(request.quorum),
				"more results than 2 * quorum - 1"
			);
			ensure!(request.failure_count() <= request.quorum, "more failures than quorum");
			let entry = counts.entry(request.model_id).or_default();
			entry.requested = entry.requested.saturating_add(1);
			entry.count_settled(request.status);
			ensure!(
				request.status.is_open() == OpenRequests::<T>::contains_key(request_id),
				"open set disagrees with the request status"
			);
			ensure!(
				request.status.is_open() == request.settled_at.is_none(),
				"settlement block disagrees with the request status"
			);
			ensure!(
				(request.status == RequestStatus::Attested)
					== Attestations::<T>::contains_key(request_id),
				"attestation present iff the request is attested"
			);
			if request.status.is_open() {
				open += 1;
				ensure!(now < request.deadline, "open request past its deadline");
				ensure!(
					RequestsByDeadline::<T>::get(request.deadline).contains(&request_id),
					"open request missing from its deadline bucket"
				);
				ensure!(
					request.failure_count() < request.quorum,
					"open request with quorum failures"
				);
				let tolerance =
					Models::<T>::get(request.model_id).map_or(0, |model| model.tolerance_ppm);
				ensure!(
					agreement::evaluate(&results, request.quorum, tolerance)
						== agreement::Outcome::Pending,
					"open request whose results settle it"
				);
			}
			if let Some(attestation) = Attestations::<T>::get(request_id) {
				attested += 1;
				ensure!(
					attestation.request_id == request_id
						&& attestation.model_id == request.model_id
						&& attestation.record_id == request.record_id
						&& attestation.commitment == request.commitment
						&& attestation.patient == request.patient,
					"attestation disagrees with its request"
				);
				ensure!(
					attestation.attestors.len() as u32 == request.quorum,
					"attestation not signed by quorum attestors"
				);
				ensure!(
					attestation.attestors.iter().all(|who| request.has_submitted(who)),
					"attestation names an attestor that did not submit"
				);
				ensure!(
					AttestationsBySeq::<T>::get(attestation.seq)
						== Some((attestation.attested_at, request_id)),
					"attestation missing from the chronological listing"
				);
			}
		}
		ensure!(OpenRequests::<T>::count() == open, "open set counter disagrees with requests");
		ensure!(
			OpenRequests::<T>::iter_keys().count() as u32 == open,
			"open set holds settled or missing requests"
		);
		ensure!(
			Attestations::<T>::iter_keys().count() as u64 == attested,
			"attestations without a request"
		);

		// Counters and the model listings.
		for (model_id, stats) in ModelStats::<T>::iter() {
			ensure!(
				counts.remove(&model_id).unwrap_or_default() == stats,
				"model counters disagree with the requests"
			);
			for position in 0..stats.attested {
				let request_id = AttestationsByModel::<T>::get(model_id, position)
					.ok_or("model listing has a gap")?;
				let attestation = Attestations::<T>::get(request_id)
					.ok_or("model listing names a missing attestation")?;
				ensure!(attestation.model_id == model_id, "model listing under the wrong model");
			}
		}
		ensure!(
			counts.values().all(|c| *c == ModelCounts::default()),
			"requests on a model without counters"
		);
		ensure!(
			AttestationsByModel::<T>::iter_keys().count() as u64 == attested,
			"model listings and attestations differ in size"
		);

		// The patient listings.
		let mut listed = 0u64;
		for (patient, count) in PatientAttestationCount::<T>::iter() {
			for position in 0..count {
				let request_id = AttestationsByPatient::<T>::get(&patient, position)
					.ok_or("patient listing has a gap")?;
				let attestation = Attestations::<T>::get(request_id)
					.ok_or("patient listing names a missing attestation")?;
				ensure!(attestation.patient == patient, "patient listing under the wrong patient");
			}
			listed += u64::from(count);
		}
		ensure!(listed == attested, "patient listings and attestations differ in size");
		ensure!(
			AttestationsByPatient::<T>::iter_keys().count() as u64 == attested,
			"patient listing entries beyond the counts"
		);

		// The chronological listing.
		let next_seq = NextAttestationSeq::<T>::get();
		ensure!(next_seq == attested, "NextAttestationSeq disagrees with the attestations");
		let mut previous = None;
		for seq in 0..next_seq {
			let (block, request_id) =
				AttestationsBySeq::<T>::get(seq).ok_or("chronological listing has a gap")?;
			let attestation = Attestations::<T>::get(request_id)
				.ok_or("chronological listing names a missing attestation")?;
			ensure!(attestation.seq == seq, "chronological listing out of place");
			ensure!(previous.is_none_or(|p| p <= block), "chronological listing out of order");
			previous = Some(block);
		}

		// The deadline buckets only hold known requests, and only future blocks have any.
		for (deadline, ids) in RequestsByDeadline::<T>::iter() {
			ensure!(deadline > now, "a deadline bucket of a past block was not expired");
			for request_id in ids {
				let request = Requests::<T>::get(request_id)
					.ok_or("deadline bucket names a missing request")?;
				ensure!(request.deadline == deadline, "request in the wrong deadline bucket");
			}
		}
		Ok(())
	}
}
