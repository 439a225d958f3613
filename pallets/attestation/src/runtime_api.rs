//! The runtime API researchers and dApps use to read models, requests and attestations without
//! reading raw storage.
//!
//! The runtime implements it with one line per method, each calling the `Pallet` function of
//! the same name:
//!
//! ```ignore
//! impl pallet_attestation::runtime_api::AttestationApi<
//!     Block,
//!     AccountId,
//!     BlockNumber,
//!     pallet_attestation::ModelOf<Runtime>,
//!     pallet_attestation::RequestOf<Runtime>,
//!     pallet_attestation::AttestationOf<Runtime>,
//! > for Runtime {
//!     fn model(model_id: ModelId) -> Option<pallet_attestation::ModelOf<Runtime>> {
//!         pallet_attestation::Pallet::<Runtime>::model(model_id)
//!     }
//!     fn attestations_by_block_range(
//!         from: BlockNumber,
//!         to: BlockNumber,
//!         start_after: Option<AttestationSeq>,
//!         limit: u32,
//!     ) -> Page<AttestationSeq, AttestationInfo<pallet_attestation::AttestationOf<Runtime>>> {
//!         pallet_attestation::Pallet::<Runtime>::attestations_by_block_range(
//!             from, to, start_after, limit,
//!         )
//!     }
//!     // … likewise for every method below.
//! }
//! ```
//!
//! Paged methods follow the cursor rule of `healthchain_primitives::page`: at most
//! `MAX_PAGE_SIZE` entries, whatever `limit` asks; pass a page's `next` as `start_after` to get
//! the following page. Attestations come with their
//! model's current status ([`AttestationInfo::model_status`]), so an attestation of a model
//! retired since says so.

use crate::types::{
	AttestationInfo, AttestationSeq, ModelCounts, ModelHash, ModelId, Page, RequestId,
};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Queries on the model registry, inference requests and attestations.
	///
	/// Version 2: a model carries its minimum quorum, and each submission of a request the
	/// custodian its attestor answered for (the methods are those of version 1).
	#[api_version(2)]
	pub trait AttestationApi<AccountId, BlockNumber, Model, Request, Attestation>
	where
		AccountId: Codec,
		BlockNumber: Codec,
		Model: Codec,
		Request: Codec,
		Attestation: Codec,
	{
		/// One model by id.
		fn model(model_id: ModelId) -> Option<Model>;

		/// The model registered under an ONNX file hash, with its id.
		fn model_by_hash(model_hash: ModelHash) -> Option<(ModelId, Model)>;

		/// Every model (every status), in id order, paged.
		fn models(start_after: Option<ModelId>, limit: u32) -> Page<ModelId, Model>;

		/// How the requests on a model ended: requested, attested, disputed, failed, expired,
		/// cancelled. `None` if no model has this id.
		fn model_counts(model_id: ModelId) -> Option<ModelCounts>;

		/// Whether an account is a registered attestor.
		fn is_attestor(who: AccountId) -> bool;

		/// The registered attestors.
		fn attestors() -> Vec<AccountId>;

		/// One request by id, with its status and every submission.
		fn request(request_id: RequestId) -> Option<Request>;

		/// The requests still open, paged, in storage order.
		fn open_requests(start_after: Option<RequestId>, limit: u32) -> Page<RequestId, Request>;

		/// The attestation of a request, if it was attested.
		fn attestation(request_id: RequestId) -> Option<AttestationInfo<Attestation>>;

		/// The attestations of a model, oldest first, paged by position in the model's listing.
		fn attestations_by_model(
			model_id: ModelId,
			start_after: Option<u32>,
			limit: u32,
		) -> Page<u32, AttestationInfo<Attestation>>;

		/// The attestations about a patient, oldest first, paged by position in the patient's
		/// listing.
		fn attestations_by_patient(
			patient: AccountId,
			start_after: Option<u32>,
			limit: u32,
		) -> Page<u32, AttestationInfo<Attestation>>;

		/// The attestations recorded in blocks `from..=to`, oldest first, paged by position in
		/// the chain-wide chronological listing.
		fn attestations_by_block_range(
			from: BlockNumber,
			to: BlockNumber,
			start_after: Option<AttestationSeq>,
			limit: u32,
		) -> Page<AttestationSeq, AttestationInfo<Attestation>>;
	}
}
