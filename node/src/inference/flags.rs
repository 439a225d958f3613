//! The `--inference-*` flags: the limits of the node's inference engine. There is one set of
//! them (`Cli::inference`); they are global flags, so they are accepted before a subcommand
//! and after it (`healthchain-node store import-model --dev --inference-max-model-bytes …`),
//! and clap hands them to the one set either way.

use healthchain_engine::{isolated, EngineConfig};
use std::time::Duration;

/// Limits of the node's inference engine.
#[derive(Debug, Clone, clap::Args)]
pub struct InferenceParams {
	/// The largest ONNX model file the node accepts, in bytes.
	#[arg(long, global = true, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
	pub inference_max_model_bytes: u64,

	/// The largest record (FHIR Bundle JSON) the node accepts, in bytes.
	#[arg(long, global = true, value_name = "BYTES", default_value_t = 4 * 1024 * 1024)]
	pub inference_max_record_bytes: u64,

	/// How long one inference may take, in milliseconds, model loading included. It is the
	/// only time limit: an inference process that has not answered shortly after it is
	/// killed.
	#[arg(long, global = true, value_name = "MS", default_value_t = 5_000)]
	pub inference_time_limit_ms: u64,

	/// How many optimized models the engine keeps in memory.
	#[arg(long, global = true, value_name = "COUNT", default_value_t = 8)]
	pub inference_plan_cache: usize,

	/// The address-space limit of the inference process, in MiB (at least 256). Off-chain
	/// workers run every inference in a child process (`healthchain-node inference-process`)
	/// with this limit, so that a model that exhausts memory takes down that process only,
	/// never the node.
	#[arg(
		long,
		global = true,
		value_name = "MIB",
		default_value_t = isolated::DEFAULT_MEMORY_LIMIT / MIB,
		value_parser = clap::value_parser!(u64).range(256..)
	)]
	pub inference_memory_limit_mb: u64,

	/// Run inference inside the node process instead (no memory limit: a model that exhausts
	/// memory aborts the node). For debugging only.
	#[arg(long, global = true)]
	pub inference_in_process: bool,
}

const MIB: u64 = 1024 * 1024;

impl InferenceParams {
	/// The engine configuration these flags describe.
	pub fn engine_config(&self) -> EngineConfig {
		EngineConfig {
			max_model_bytes: self.inference_max_model_bytes,
			max_record_bytes: self.inference_max_record_bytes,
			time_limit: Duration::from_millis(self.inference_time_limit_ms),
			plan_cache_size: self.inference_plan_cache,
		}
	}

	/// The address-space limit of the inference process, in bytes.
	pub fn memory_limit_bytes(&self) -> u64 {
		self.inference_memory_limit_mb.saturating_mul(MIB)
	}
}
