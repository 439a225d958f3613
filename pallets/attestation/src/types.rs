//! Domain types of the attestation pallet: models, inference requests and their submissions,
//! attestations, counters and the pages the queries return.

use crate::Config;
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use core::marker::PhantomData;
use frame_support::{
	pallet_prelude::{BoundedVec, ConstU32, Get},
	CloneNoBound, DebugNoBound, EqNoBound, PartialEqNoBound,
};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;

pub use healthchain_inference_primitives::{
	InferenceFailure, InferenceOutput, ModelHash, RecordCommitment, FIXED_POINT_SCALE,
	MAX_OUTPUT_VALUES,
};
pub use healthchain_primitives::{DataClass, DenialReason, Hash32, Moment, Page, RecordId};

/// Identifier of a model, assigned by the pallet in increasing order from 0.
pub type ModelId = u32;

/// Identifier of an inference request, assigned by the pallet in increasing order from 0.
pub type RequestId = u64;

/// Position of an attestation in the chain-wide, chronological attestation listing: the first
/// attestation ever is `0`.
pub type AttestationSeq = u64;

/// A model output as stored on chain: fixed-point values (`FIXED_POINT_SCALE` = 1.0), at most
/// `MAX_OUTPUT_VALUES`.
pub type OutputValues = BoundedVec<i64, ConstU32<MAX_OUTPUT_VALUES>>;

/// Where a model is in its life.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum ModelStatus {
	/// Proposed, waiting for governance: cannot be requested yet.
	Proposed,
	/// Approved by governance: requests may name it.
	Approved,
	/// Retired by governance (or withdrawn before approval): no new request may name it, and
	/// open requests on it are cancelled when next touched. Its attestations stay readable and
	/// report this status.
	Retired,
}

/// A diagnostic model known to the chain: what the consortium approved and how to compare two
/// nodes' outputs.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Model<T: Config> {
	/// blake2-256 of the ONNX file: what the node's engine checks the model file against.
	pub model_hash: ModelHash,
	/// blake2-256 of the model card (JSON): input features, output meaning, tolerance.
	pub card_hash: Hash32,
	/// The model's name, as in its card (e.g. `breast-cancer-mlp`).
	pub name: BoundedVec<u8, T::MaxNameLen>,
	/// The model's version, as in its card (e.g. `1.0.0`).
	pub version: BoundedVec<u8, T::MaxVersionLen>,
	/// How many values the model outputs: every submitted output must have exactly this many.
	pub output_size: u32,
	/// How far two fixed-point outputs may differ, element by element, and still agree
	/// (`|a - b| <= tolerance_ppm`, in millionths of an output unit).
	pub tolerance_ppm: u32,
	/// The inference engine and version the model is pinned to (e.g. `tract-onnx 0.23.9`).
	pub engine_version: BoundedVec<u8, T::MaxEngineVersionLen>,
	/// Where the model is in its life.
	pub status: ModelStatus,
	/// Who proposed the model; `None` for a model registered at genesis.
	pub proposer: Option<T::AccountId>,
	/// The block in which the model was proposed (0 for genesis).
	pub proposed_at: BlockNumberFor<T>,
	/// The block in which governance approved the model.
	pub approved_at: Option<BlockNumberFor<T>>,
	/// The block in which governance retired the model.
	pub retired_at: Option<BlockNumberFor<T>>,
	/// The smallest quorum a request on this model may ask for (1 to `MaxQuorum`), set by
	/// governance: a model for clinical use may require that two hospitals agree.
	pub min_quorum: u32,
}

/// Why an open request was cancelled without a result.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum CancelReason {
	/// The patient's consent no longer permits the requester (revoked, expired or overridden by
	/// a deny), with the consent pallet's reason.
	ConsentWithdrawn(DenialReason),
	/// The record was erased.
	RecordErased,
	/// The record was amended: the version the request pinned is no longer the current one.
	RecordSuperseded,
	/// The record is unknown to the records pallet (it should not happen).
	RecordMissing,
	/// Governance retired the model.
	ModelRetired,
	/// The requester withdrew the request.
	WithdrawnByRequester,
	/// The runtime upgrade that began to list open requests by record and by (patient,
	/// requester) pair found this request beyond a listing bound (`MaxOpenRequestsPerRecord`,
	/// `MaxOpenRequestsPerPair`): a withdrawal could not have cancelled it at once.
	BeyondListingBound,
}

/// Where an inference request is.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
)]
pub enum RequestStatus {
	/// Waiting for results.
	Open,
	/// `quorum` results agreed within the model's tolerance: an attestation was recorded.
	Attested,
	/// The results conflict so that `quorum` agreeing results can no longer be reached.
	Disputed,
	/// `quorum` attestors reported a failure.
	Failed,
	/// The deadline passed first.
	Expired,
	/// Cancelled without a result, for this reason.
	Cancelled(CancelReason),
}

impl RequestStatus {
	/// Whether the request still takes submissions.
	pub fn is_open(&self) -> bool {
		matches!(self, RequestStatus::Open)
	}
}

/// What an attestor submitted for a request.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub enum Answer {
	/// The model's fixed-point output.
	Output(OutputValues),
	/// Why the attestor's node could not produce an output.
	Failure(InferenceFailure),
}

/// One attestor's submission to a request. Every submission is kept, whatever the outcome.
#[derive(
	Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Clone, PartialEq, Eq, Debug,
)]
pub struct Submission<AccountId, BlockNumber> {
	/// The attestor who submitted.
	pub attestor: AccountId,
	/// The custodian (hospital) the attestor belonged to when it submitted, a holder of the
	/// record: each custodian submits once per request, whichever of its keys signs.
	pub custodian: AccountId,
	/// What they submitted.
	pub answer: Answer,
	/// The block it was included in.
	pub at: BlockNumber,
}

/// The most submissions one request can collect with quorum `MaxQuorum`: `2 * MaxQuorum - 1`
/// results and `MaxQuorum - 1` failures before the last one settles it (see the README).
pub struct MaxSubmissionsOf<T>(PhantomData<T>);

impl<T: Config> Get<u32> for MaxSubmissionsOf<T> {
	fn get() -> u32 {
		max_submissions(T::MaxQuorum::get())
	}
}

/// The most results a request with quorum `quorum` takes: `2 * quorum - 1`.
pub fn max_results(quorum: u32) -> u32 {
	quorum.saturating_mul(2).saturating_sub(1)
}

/// The most submissions a request with quorum `quorum` can hold: `3 * quorum - 2`.
pub fn max_submissions(quorum: u32) -> u32 {
	max_results(quorum).saturating_add(quorum.saturating_sub(1)).max(1)
}

/// A submission of runtime `T`.
pub type SubmissionOf<T> = Submission<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

/// An inference request: who asked which model about which record version, and what the
/// attestors answered.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Request<T: Config> {
	/// Who asked (a clinician or hospital holding the patient's consent).
	pub requester: T::AccountId,
	/// The model asked for.
	pub model_id: ModelId,
	/// Its ONNX file hash, copied at request time.
	pub model_hash: ModelHash,
	/// The record the model is to run on.
	pub record_id: RecordId,
	/// The record version's commitment, pinned at request time: nodes run on exactly this.
	pub commitment: RecordCommitment,
	/// The patient the record is about.
	pub patient: T::AccountId,
	/// The hospital holding the record.
	pub custodian: T::AccountId,
	/// The record's data class (what the consent was checked for).
	pub data_class: DataClass,
	/// How many agreeing results make an attestation (and how many failures fail it).
	pub quorum: u32,
	/// The block the request was made in.
	pub requested_at: BlockNumberFor<T>,
	/// The wall-clock time of that block.
	pub requested_time: Moment,
	/// The first block in which the request no longer takes submissions; it expires at the
	/// start of that block unless settled before.
	pub deadline: BlockNumberFor<T>,
	/// Where the request is.
	pub status: RequestStatus,
	/// The block in which the request left `Open`.
	pub settled_at: Option<BlockNumberFor<T>>,
	/// Every submission, in the order they were included.
	pub submissions: BoundedVec<SubmissionOf<T>, MaxSubmissionsOf<T>>,
}

impl<T: Config> Request<T> {
	/// Whether the custodian `custodian` already submitted to this request (with any of its
	/// attestor keys).
	pub fn has_submitted(&self, custodian: &T::AccountId) -> bool {
		self.submissions.iter().any(|s| s.custodian == *custodian)
	}

	/// The results submitted so far, in order, with their attestors.
	pub fn results(&self) -> impl Iterator<Item = (&T::AccountId, &OutputValues)> {
		self.submissions.iter().filter_map(|s| match &s.answer {
			Answer::Output(values) => Some((&s.attestor, values)),
			Answer::Failure(_) => None,
		})
	}

	/// How many failures were reported so far.
	pub fn failure_count(&self) -> u32 {
		self.submissions.iter().filter(|s| matches!(s.answer, Answer::Failure(_))).count() as u32
	}
}

/// An attested model result: what `quorum` attestors agreed on, and about what.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
#[codec(mel_bound())]
pub struct Attestation<T: Config> {
	/// The request this attestation settles.
	pub request_id: RequestId,
	/// The model that produced the output.
	pub model_id: ModelId,
	/// The ONNX file hash of that model.
	pub model_hash: ModelHash,
	/// The record the model ran on.
	pub record_id: RecordId,
	/// The commitment of the record version it ran on.
	pub commitment: RecordCommitment,
	/// The patient the record is about.
	pub patient: T::AccountId,
	/// Who asked for the inference.
	pub requester: T::AccountId,
	/// The attested fixed-point output: the first result of the agreeing group (every other
	/// member is within the model's tolerance of it and of each other).
	pub output: OutputValues,
	/// The attestors whose results agreed, in the order they submitted.
	pub attestors: BoundedVec<T::AccountId, T::MaxQuorum>,
	/// The block the attestation was recorded in.
	pub attested_at: BlockNumberFor<T>,
	/// The wall-clock time of that block.
	pub attested_time: Moment,
	/// Its position in the chronological attestation listing.
	pub seq: AttestationSeq,
}

/// An attestation as the queries return it: with the model's current status, so a reader sees
/// when an attestation came from a model retired since.
#[derive(Encode, Decode, TypeInfo, Clone, PartialEq, Eq, Debug)]
pub struct AttestationInfo<Attestation> {
	/// The attestation.
	pub attestation: Attestation,
	/// The status of its model now (`Retired` if governance retired it since).
	pub model_status: ModelStatus,
}

/// How the requests on one model ended.
#[derive(
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
)]
pub struct ModelCounts {
	/// Requests made on the model.
	pub requested: u32,
	/// Requests attested (also the length of the model's attestation listing).
	pub attested: u32,
	/// Requests disputed.
	pub disputed: u32,
	/// Requests failed.
	pub failed: u32,
	/// Requests expired.
	pub expired: u32,
	/// Requests cancelled.
	pub cancelled: u32,
}

impl ModelCounts {
	/// Requests still open: those neither attested, disputed, failed, expired nor cancelled.
	pub fn open(&self) -> u32 {
		self.requested
			.saturating_sub(self.attested)
			.saturating_sub(self.disputed)
			.saturating_sub(self.failed)
			.saturating_sub(self.expired)
			.saturating_sub(self.cancelled)
	}

	/// Counts one more request ending with `status` (nothing for `Open`).
	pub fn count_settled(&mut self, status: RequestStatus) {
		let counter = match status {
			RequestStatus::Open => return,
			RequestStatus::Attested => &mut self.attested,
			RequestStatus::Disputed => &mut self.disputed,
			RequestStatus::Failed => &mut self.failed,
			RequestStatus::Expired => &mut self.expired,
			RequestStatus::Cancelled(_) => &mut self.cancelled,
		};
		*counter = counter.saturating_add(1);
	}
}

/// A model registered at genesis and approved there: the fields `propose_model` takes and its
/// minimum quorum. In a chain spec it is a JSON object with these fields in camelCase
/// (`modelHash`, `cardHash`, `name`, `version`, `outputSize`, `tolerancePpm`, `engineVersion`,
/// and optionally `minQuorum`, 1 when left out), byte strings and hashes as arrays of bytes.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GenesisModel {
	/// blake2-256 of the ONNX file.
	pub model_hash: ModelHash,
	/// blake2-256 of the model card (JSON).
	pub card_hash: Hash32,
	/// The model's name, as in its card: at most `MaxNameLen` bytes, not empty.
	pub name: Vec<u8>,
	/// The model's version, as in its card: at most `MaxVersionLen` bytes, not empty.
	pub version: Vec<u8>,
	/// How many values the model outputs: 1 to `MAX_OUTPUT_VALUES`.
	pub output_size: u32,
	/// How far two fixed-point outputs may differ, element by element, and still agree (in
	/// millionths of an output unit).
	pub tolerance_ppm: u32,
	/// The inference engine and version the model is pinned to (e.g. `tract-onnx 0.23.9`): at
	/// most `MaxEngineVersionLen` bytes, not empty.
	pub engine_version: Vec<u8>,
	/// The smallest quorum a request on the model may ask for: 1 to `MaxQuorum`.
	#[serde(default = "one")]
	pub min_quorum: u32,
}

/// The minimum quorum of a genesis model that names none.
fn one() -> u32 {
	1
}
