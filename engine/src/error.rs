//! What the model and record stores report, and how it maps to an [`InferenceFailure`].

use healthchain_commitment::{CanonicalizeError, SaltError};
use healthchain_inference_primitives::{InferenceFailure, ModelHash};

/// Why a store operation failed.
#[derive(Debug)]
pub enum StoreError {
	/// The model or record is larger than the configured limit.
	TooLarge {
		/// Its size in bytes.
		size: u64,
		/// The limit in bytes.
		limit: u64,
	},
	/// The model card does not parse or breaks a rule of the card schema (the message says
	/// which).
	InvalidModelCard(String),
	/// The card's `model_hash` names another model than the ONNX bytes it came with.
	CardHashMismatch {
		/// The hash the card names (as written in the card).
		card: String,
		/// The blake2-256 of the ONNX bytes.
		actual: ModelHash,
	},
	/// No model with this hash is in the store.
	ModelNotFound,
	/// The stored model file no longer hashes to its name (it was altered on disk).
	ModelHashMismatch {
		/// The hash the file is stored under.
		expected: ModelHash,
		/// The blake2-256 of the file now.
		actual: ModelHash,
	},
	/// The record is not JSON that can be canonicalized (see `healthchain-commitment`).
	InvalidRecord(CanonicalizeError),
	/// The record is JSON but not a FHIR Bundle (`"resourceType": "Bundle"`).
	NotABundle,
	/// The patient is not an SS58 account address.
	InvalidPatient(String),
	/// No record with this commitment is in the store.
	RecordNotFound,
	/// The stored record's salt and bytes no longer reproduce its commitment.
	CommitmentMismatch,
	/// The stored record file is not in the record file format (the message says where).
	CorruptRecord(String),
	/// No salt could be drawn from the operating system's random number generator.
	Salt(SaltError),
	/// A file system operation failed.
	Io(std::io::Error),
}

impl StoreError {
	/// The inference failure this error means when it stops an inference.
	pub fn as_failure(&self) -> InferenceFailure {
		match self {
			Self::TooLarge { .. } => InferenceFailure::InputTooLarge,
			Self::InvalidModelCard(_) | Self::CardHashMismatch { .. } => {
				InferenceFailure::InvalidModelCard
			},
			Self::ModelNotFound => InferenceFailure::UnknownModel,
			Self::ModelHashMismatch { .. } => InferenceFailure::ModelHashMismatch,
			Self::InvalidRecord(_) | Self::NotABundle | Self::InvalidPatient(_) => {
				InferenceFailure::UnparsableRecord
			},
			Self::RecordNotFound => InferenceFailure::RecordNotHeld,
			Self::CommitmentMismatch | Self::CorruptRecord(_) => {
				InferenceFailure::RecordCommitmentMismatch
			},
			Self::Salt(_) | Self::Io(_) => InferenceFailure::EngineError,
		}
	}
}

impl core::fmt::Display for StoreError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		use crate::fsio::to_hex;
		match self {
			Self::TooLarge { size, limit } => {
				write!(f, "{size} bytes is larger than the limit of {limit} bytes")
			},
			Self::InvalidModelCard(why) => write!(f, "invalid model card: {why}"),
			Self::CardHashMismatch { card, actual } => write!(
				f,
				"the model card names model {card}, but the ONNX file hashes to {}",
				to_hex(actual)
			),
			Self::ModelNotFound => write!(f, "no such model in the model store"),
			Self::ModelHashMismatch { expected, actual } => write!(
				f,
				"the stored model file {} now hashes to {}: it was altered on disk",
				to_hex(expected),
				to_hex(actual)
			),
			Self::InvalidRecord(e) => write!(f, "the record is not valid JSON: {e}"),
			Self::NotABundle => write!(f, "the record is not a FHIR Bundle"),
			Self::InvalidPatient(why) => write!(f, "invalid patient account: {why}"),
			Self::RecordNotFound => write!(f, "no such record in the record store"),
			Self::CommitmentMismatch => {
				write!(f, "the stored record no longer reproduces its commitment")
			},
			Self::CorruptRecord(why) => write!(f, "corrupt record file: {why}"),
			Self::Salt(e) => write!(f, "{e}"),
			Self::Io(e) => write!(f, "store I/O error: {e}"),
		}
	}
}

impl std::error::Error for StoreError {
	fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
		match self {
			Self::Io(e) => Some(e),
			Self::Salt(e) => Some(e),
			Self::InvalidRecord(e) => Some(e),
			_ => None,
		}
	}
}

impl From<std::io::Error> for StoreError {
	fn from(e: std::io::Error) -> Self {
		Self::Io(e)
	}
}
