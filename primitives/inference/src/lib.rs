#![doc = include_str!("../README.md")]
#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime_interface::{
	pass_by::{AllocateAndReturnByCodec, PassPointerAndReadCopy},
	runtime_interface,
};

#[cfg(feature = "std")]
use sp_externalities::ExternalitiesExt;

/// blake2-256 of an ONNX model file: how the chain names a model.
pub type ModelHash = [u8; 32];

/// A record's commitment, `blake2_256(salt ++ canonical_bytes)`, as anchored on chain.
pub type RecordCommitment = [u8; 32];

/// blake2-256 of a model card file (JSON): how the chain pins the card a model was approved
/// with.
pub type CardHash = [u8; 32];

/// Fixed-point scale of model outputs: 1.0 is `1_000_000` (parts per million).
pub const FIXED_POINT_SCALE: i64 = 1_000_000;

/// The most output values a model may produce.
pub const MAX_OUTPUT_VALUES: u32 = 16;

/// A model's output, quantized: each value is `round(output * FIXED_POINT_SCALE)`.
#[derive(Encode, Decode, DecodeWithMemTracking, TypeInfo, Clone, PartialEq, Eq, Debug, Default)]
pub struct InferenceOutput {
	/// The quantized output values, at most [`MAX_OUTPUT_VALUES`].
	pub values: Vec<i64>,
}

impl MaxEncodedLen for InferenceOutput {
	fn max_encoded_len() -> usize {
		codec::Compact(MAX_OUTPUT_VALUES).encoded_size() + MAX_OUTPUT_VALUES as usize * 8
	}
}

/// Why an inference could not produce an output. Every failure is a value, never a panic.
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
pub enum InferenceFailure {
	/// No model with this hash is in the node's model store.
	UnknownModel,
	/// The stored model file no longer hashes to the requested model hash.
	ModelHashMismatch,
	/// The model file is not a parsable ONNX model.
	UnparsableModel,
	/// The model uses an operator the engine does not run.
	UnsupportedOperator,
	/// The model's input shape differs from what its card declares.
	WrongInputShape,
	/// The model's output is not a float tensor of at most [`MAX_OUTPUT_VALUES`] values.
	UnsupportedOutput,
	/// The model card is missing or malformed.
	InvalidModelCard,
	/// The model or record is larger than the node's configured limit.
	InputTooLarge,
	/// The record is not held by this node.
	RecordNotHeld,
	/// The stored record's salt and bytes do not reproduce its commitment.
	RecordCommitmentMismatch,
	/// The record is not a FHIR R4 Bundle the engine can read.
	UnparsableRecord,
	/// The record lacks the feature at this position of the model card's input list.
	MissingFeature(u32),
	/// The feature at this position has a value that is not a finite number.
	NonNumericFeature(u32),
	/// Inference did not finish within the node's time limit.
	TimeLimitExceeded,
	/// An output value is not finite (NaN or infinite).
	NonFiniteOutput,
	/// The engine failed for a reason not listed here (see the node's log).
	EngineError,
	/// More than one Observation in the record feeds the feature at this position of the
	/// model card's input list; the engine does not guess which one is meant.
	AmbiguousFeature(u32),
	/// The feature at this position states a UCUM unit other than the model card's.
	FeatureUnitMismatch(u32),
	/// The node's model card for this model does not hash to the card the chain approved: the
	/// node refuses to run the model with a feature mapping nobody approved.
	ModelCardMismatch,
	/// The node's inference capacity is taken (every inference slot is busy): a transient
	/// fault of this node, retried in a later block, never reported on chain.
	NodeBusy,
	/// The node's isolated inference process could not be started: a transient fault of
	/// this node, retried in a later block, never reported on chain.
	WorkerUnavailable,
}

impl InferenceFailure {
	/// Whether this is a transient fault of the node that ran the inference, not a failure
	/// of the model on the record: the off-chain worker retries it later (a bounded number of
	/// times) and never reports it, and the chain refuses it as a failure report.
	pub fn is_transient(&self) -> bool {
		matches!(self, InferenceFailure::NodeBusy | InferenceFailure::WorkerUnavailable)
	}

	/// The failure as version 1 of the host function reports it to a runtime built before the
	/// variants `ModelCardMismatch`, `NodeBusy` and `WorkerUnavailable` existed (which could
	/// not decode them): the failure it reported for the same fault then.
	pub fn as_version_1(self) -> InferenceFailure {
		match self {
			InferenceFailure::ModelCardMismatch => InferenceFailure::InvalidModelCard,
			InferenceFailure::NodeBusy => InferenceFailure::TimeLimitExceeded,
			InferenceFailure::WorkerUnavailable => InferenceFailure::EngineError,
			other => other,
		}
	}
}

/// The result of one inference.
pub type InferenceResult = Result<InferenceOutput, InferenceFailure>;

/// Quantizes a float output to fixed point (round half away from zero); `None` for NaN,
/// infinity or a value outside `i64`. Native only: the runtime never sees floats.
#[cfg(feature = "std")]
pub fn quantize(value: f32) -> Option<i64> {
	if !value.is_finite() {
		return None;
	}
	let scaled = (value as f64 * FIXED_POINT_SCALE as f64).round();
	if scaled >= i64::MIN as f64 && scaled <= i64::MAX as f64 {
		Some(scaled as i64)
	} else {
		None
	}
}

/// What a node's inference engine offers to the host function.
#[cfg(feature = "std")]
pub trait InferenceEngine: Send + Sync {
	/// Runs the model `model` on the record committed to by `commitment`, with whatever card
	/// the node holds for it (version 1 of the host function, for blocks of runtimes built
	/// before version 2).
	fn run(&self, model: &ModelHash, commitment: &RecordCommitment) -> InferenceResult;

	/// Runs the model `model` on the record committed to by `commitment`, after checking that
	/// the node's model card for it hashes to `card` (the card the chain approved):
	/// `ModelCardMismatch` otherwise. Whether the record is held is decided first, as in
	/// [`InferenceEngine::run`].
	fn run_approved(
		&self,
		model: &ModelHash,
		card: &CardHash,
		commitment: &RecordCommitment,
	) -> InferenceResult;
}

#[cfg(feature = "std")]
sp_externalities::decl_extension! {
	/// Gives the inference host function access to the node's engine. Registered for
	/// off-chain workers only.
	pub struct InferenceExt(std::sync::Arc<dyn InferenceEngine>);
}

#[cfg(feature = "std")]
impl InferenceExt {
	/// Wraps an engine as an externalities extension.
	pub fn new(engine: std::sync::Arc<dyn InferenceEngine>) -> Self {
		Self(engine)
	}
}

/// The inference host function.
///
/// Version 2 (what runtimes call from spec 102 on) passes the approved card's hash, which the
/// node checks against its own card, and may answer the transient faults `NodeBusy` and
/// `WorkerUnavailable`. Version 1 stays callable for blocks of older runtimes: it checks no
/// card and reports faults as those runtimes know them ([`InferenceFailure::as_version_1`]).
#[runtime_interface]
pub trait Inference {
	/// Runs `model_hash` on the record `commitment` with the node's engine. `None` when the
	/// engine is not available here (always so during block import).
	fn run(
		&mut self,
		model_hash: PassPointerAndReadCopy<ModelHash, 32>,
		commitment: PassPointerAndReadCopy<RecordCommitment, 32>,
	) -> AllocateAndReturnByCodec<Option<InferenceResult>> {
		self.extension::<InferenceExt>()
			.map(|ext| ext.0.run(&model_hash, &commitment).map_err(InferenceFailure::as_version_1))
	}

	/// Runs `model_hash` on the record `commitment` with the node's engine, if the node's card
	/// for the model hashes to `card_hash`. `None` when the engine is not available here
	/// (always so during block import).
	#[version(2)]
	fn run(
		&mut self,
		model_hash: PassPointerAndReadCopy<ModelHash, 32>,
		card_hash: PassPointerAndReadCopy<CardHash, 32>,
		commitment: PassPointerAndReadCopy<RecordCommitment, 32>,
	) -> AllocateAndReturnByCodec<Option<InferenceResult>> {
		self.extension::<InferenceExt>()
			.map(|ext| ext.0.run_approved(&model_hash, &card_hash, &commitment))
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_io::TestExternalities;
	use std::sync::Arc;

	/// An engine that always answers the same, and `ModelCardMismatch` to a card other than
	/// `[0xca; 32]`.
	struct Fixed(InferenceResult);
	impl InferenceEngine for Fixed {
		fn run(&self, _: &ModelHash, _: &RecordCommitment) -> InferenceResult {
			self.0.clone()
		}

		fn run_approved(
			&self,
			_: &ModelHash,
			card: &CardHash,
			_: &RecordCommitment,
		) -> InferenceResult {
			if *card != [0xca; 32] {
				return Err(InferenceFailure::ModelCardMismatch);
			}
			self.0.clone()
		}
	}

	#[test]
	fn quantize_rounds_to_parts_per_million_and_rejects_non_finite() {
		assert_eq!(quantize(0.5), Some(500_000));
		assert_eq!(quantize(-0.0000004), Some(0));
		assert_eq!(quantize(0.25), Some(250_000));
		assert_eq!(quantize(f32::NAN), None);
		assert_eq!(quantize(f32::INFINITY), None);
		assert_eq!(quantize(f32::MAX), None);
	}

	#[test]
	fn output_max_encoded_len_bounds_the_largest_output() {
		let largest = InferenceOutput { values: vec![i64::MIN; MAX_OUTPUT_VALUES as usize] };
		assert_eq!(largest.encoded_size(), InferenceOutput::max_encoded_len());
	}

	#[test]
	fn host_function_without_extension_returns_none() {
		TestExternalities::default().execute_with(|| {
			assert_eq!(inference::run([1; 32], [0xca; 32], [2; 32]), None);
		});
	}

	#[test]
	fn version_2_checks_the_card_and_version_1_maps_faults_as_old_runtimes_know() {
		for (answer, version_1) in [
			(Err(InferenceFailure::NodeBusy), Err(InferenceFailure::TimeLimitExceeded)),
			(Err(InferenceFailure::WorkerUnavailable), Err(InferenceFailure::EngineError)),
			(Err(InferenceFailure::MissingFeature(2)), Err(InferenceFailure::MissingFeature(2))),
		] {
			let mut ext = TestExternalities::default();
			ext.register_extension(InferenceExt::new(Arc::new(Fixed(answer.clone()))));
			ext.execute_with(|| {
				assert_eq!(inference::run([1; 32], [0xca; 32], [2; 32]), Some(answer.clone()));
				assert_eq!(
					inference::run([1; 32], [0xcb; 32], [2; 32]),
					Some(Err(InferenceFailure::ModelCardMismatch))
				);
			});
			// What version 1 (private to the interface) answers instead.
			assert_eq!(answer.clone().map_err(InferenceFailure::as_version_1), version_1);
		}
		assert!(InferenceFailure::NodeBusy.is_transient());
		assert!(InferenceFailure::WorkerUnavailable.is_transient());
		assert!(!InferenceFailure::TimeLimitExceeded.is_transient());
		assert!(!InferenceFailure::ModelCardMismatch.is_transient());
	}

	#[test]
	fn host_function_with_extension_reaches_the_engine() {
		for answer in [
			Ok(InferenceOutput { values: vec![1, 2] }),
			Err(InferenceFailure::MissingFeature(3)),
			Err(InferenceFailure::RecordNotHeld),
		] {
			let mut ext = TestExternalities::default();
			ext.register_extension(InferenceExt::new(Arc::new(Fixed(answer.clone()))));
			ext.execute_with(|| {
				assert_eq!(inference::run([1; 32], [0xca; 32], [2; 32]), Some(answer.clone()));
			});
		}
	}
}
