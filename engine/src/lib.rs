#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

mod cache;
pub mod card;
mod engine;
mod error;
pub mod fhir;
mod fsio;
pub mod isolated;
pub mod model_store;
pub mod plan;
pub mod record_store;
mod runner;

pub use card::{ModelCard, TRACT_VERSION};
pub use engine::{Engine, EngineConfig, MODELS_DIR, RECORDS_DIR};
pub use error::StoreError;
pub use fhir::features_from_bundle;
pub use healthchain_inference_primitives::{
	quantize, CardHash, InferenceEngine, InferenceFailure, InferenceOutput, InferenceResult,
	ModelHash, RecordCommitment, FIXED_POINT_SCALE, MAX_OUTPUT_VALUES,
};
pub use isolated::{IsolatedEngine, ProcessArgs, ProcessCommand};
pub use model_store::{card_hash, model_hash, ModelStore, StoredModel};
pub use plan::Plan;
pub use record_store::{Record, RecordStore};
pub use runner::MAX_OVERDUE_JOBS;
